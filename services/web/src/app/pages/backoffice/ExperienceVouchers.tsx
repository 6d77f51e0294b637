import { Button, Group, NumberInput, Paper, PasswordInput, Radio, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { routes, type AccountingLine, type ExperienceGrant, type OpenProduct, type SoldVoucher, type VatTiming } from '../../api/routes';
import { DataTable } from '../../components/DataTable';
import { Success } from '../../components/Notices';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { parseMinor } from '../../money';
import { AccountingTable } from './VoucherFile';
import { amountError, issuesOf, newSaleForm, SaleFields, saleInput, SoldCode } from './VoucherSale';

const timingLabels: Record<VatTiming, string> = {
  'at-sale': 'At sale: revenue and VAT are booked when the voucher is sold',
  'at-redemption': 'At redemption: the sale is deferred, revenue and VAT are booked when the ticket is taken',
};

/** 5.5 (%) -> 550 basis points. */
const basisPoints = (percent: number | string) => Math.round(Number(percent) * 100);

/** Experience vouchers (a ticket, not money): when their VAT is computed, their open products, their sale and redemption. */
export function ExperienceVouchers() {
  return (
    <Stack gap="xl">
      <Section title="When VAT is computed" routes={[`GET ${routes.voucherSettings}`, `PUT ${routes.voucherSettings}`]}>
        <VatTimingSetting />
      </Section>
      <Section title="Open products" routes={[`GET ${routes.openProducts}`, `PUT ${routes.openProducts}`]}>
        <OpenProducts />
      </Section>
      <Section title="Sell an experience voucher" routes={[`POST ${routes.experienceVouchers}`]}>
        <SellExperience />
      </Section>
      <Section title="Redeem an experience voucher" routes={[`POST ${routes.experienceRedemptions}`]}>
        <Redeem />
      </Section>
    </Stack>
  );
}

function Section({ title, routes: needed, children }: { title: string; routes: string[]; children: ReactNode }) {
  return (
    <Stack>
      <Title order={3} size="h4">
        {title}
      </Title>
      <RequiresRoutes routes={needed}>{children}</RequiresRoutes>
    </Stack>
  );
}

function VatTimingSetting() {
  const settings = useQuery<{ vatTiming: VatTiming | null }>(routes.voucherSettings);
  const save = useMutation<{ vatTiming: VatTiming }, { vatTiming: VatTiming }>('PUT', routes.voucherSettings);
  const [chosen, setChosen] = useState<VatTiming>();
  return (
    <QueryView query={settings} label="the voucher set-up">
      {({ vatTiming }) => {
        const value = chosen ?? vatTiming;
        return (
          <Stack
            component="form"
            aria-label="When VAT is computed"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              if (value) void save.run({ vatTiming: value }).then((r) => r && settings.reload());
            }}
          >
            {vatTiming === null && <Text>Not chosen yet: experience vouchers cannot be sold until it is.</Text>}
            <Radio.Group label="VAT of experience vouchers" description="Changing it needs the admin role" value={value} onChange={(v) => setChosen(v as VatTiming)}>
              <Stack gap="xs" mt="xs">
                {(Object.keys(timingLabels) as VatTiming[]).map((t) => (
                  <Radio key={t} value={t} label={timingLabels[t]} />
                ))}
              </Stack>
            </Radio.Group>
            {save.error !== undefined && <ProblemAlert error={save.error} title="The setting was not saved" />}
            <Button type="submit" variant="light" w="fit-content" loading={save.pending} disabled={!value || value === vatTiming}>
              Save
            </Button>
          </Stack>
        );
      }}
    </QueryView>
  );
}

function OpenProducts() {
  const list = useQuery<{ openProducts: OpenProduct[] }>(routes.openProducts);
  const save = useMutation<OpenProduct, OpenProduct>('PUT', routes.openProducts);
  const [form, setForm] = useState({ season: '', vatCode: '', vatRate: '' as number | string, openProductId: '' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const done = await save.run({ season: form.season.trim(), vatCode: form.vatCode.trim(), vatRateBp: basisPoints(form.vatRate), openProductId: form.openProductId.trim() });
    if (done) {
      setForm({ season: '', vatCode: '', vatRate: '', openProductId: '' });
      list.reload();
    }
  };
  return (
    <Stack>
      <QueryView query={list} label="the open products">
        {({ openProducts }) => (
          <DataTable
            caption="Open product per season and VAT code"
            minWidth={480}
            empty="No open product yet."
            columns={['Season', 'VAT code', 'VAT rate', 'Open product']}
            rows={openProducts}
            rowKey={(p) => `${p.season}/${p.vatCode}`}
            cells={(p) => (
              <>
                <Table.Td>{p.season}</Table.Td>
                <Table.Td>{p.vatCode}</Table.Td>
                <Table.Td>{(p.vatRateBp / 100).toLocaleString()} %</Table.Td>
                <Table.Td>{p.openProductId}</Table.Td>
              </>
            )}
          />
        )}
      </QueryView>
      <Paper withBorder p="md" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Set an open product">
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          <TextInput label="Season" required placeholder="2026-2027" value={form.season} onChange={(e) => setForm({ ...form, season: e.currentTarget.value })} />
          <TextInput label="VAT code" required value={form.vatCode} onChange={(e) => setForm({ ...form, vatCode: e.currentTarget.value })} />
          <NumberInput label="VAT rate (%)" required min={0} max={100} decimalScale={2} value={form.vatRate} onChange={(v) => setForm({ ...form, vatRate: v })} />
          <TextInput label="Open product" required value={form.openProductId} onChange={(e) => setForm({ ...form, openProductId: e.currentTarget.value })} />
        </SimpleGrid>
        {save.error !== undefined && <ProblemAlert error={save.error} title="The open product was not saved" />}
        <Button type="submit" variant="light" mt="md" loading={save.pending}>
          Save the open product
        </Button>
      </Paper>
    </Stack>
  );
}

const emptyGrant = { productId: '', performanceId: '', audienceSubcategory: '', seatCategory: '', quantity: 1 as number | string };

function SellExperience() {
  const [sale, setSale] = useState(newSaleForm);
  const [price, setPrice] = useState('');
  const [tax, setTax] = useState({ season: '', vatCode: '', vatRate: '' as number | string });
  const [grant, setGrant] = useState(emptyGrant);
  const [saleId, setSaleId] = useState(() => crypto.randomUUID());
  const [invalid, setInvalid] = useState<string>();
  const [sold, setSold] = useState<SoldVoucher & { accounting: AccountingLine[] }>();
  const sell = useMutation<
    ReturnType<typeof saleInput> & { priceMinor: number; season: string; vatCode: string; vatRateBp: number; grant: ExperienceGrant },
    SoldVoucher & { accounting: AccountingLine[] }
  >('POST', routes.experienceVouchers);
  const issues = issuesOf(sell.error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const error = amountError(price, sale.currency, '45.00');
    setInvalid(error);
    if (error) return;
    const done = await sell.run({
      ...saleInput(sale, saleId),
      priceMinor: parseMinor(price, sale.currency) ?? 0,
      season: tax.season.trim(),
      vatCode: tax.vatCode.trim(),
      vatRateBp: basisPoints(tax.vatRate),
      grant: {
        productId: grant.productId.trim(),
        ...(grant.performanceId.trim() ? { performanceId: grant.performanceId.trim() } : {}),
        audienceSubcategory: grant.audienceSubcategory.trim(),
        seatCategory: grant.seatCategory.trim(),
        quantity: Number(grant.quantity),
      },
    });
    if (!done) return;
    setSold(done);
    setSaleId(crypto.randomUUID());
    setSale(newSaleForm());
    setPrice('');
    setGrant(emptyGrant);
  };

  if (sold) {
    return (
      <Stack>
        <SoldCode
          sold={sold}
          onAnother={() => {
            setSold(undefined);
            sell.reset();
          }}
        />
        <AccountingTable lines={sold.accounting} caption="Accounting lines of the sale" />
      </Stack>
    );
  }
  return (
    <Paper withBorder p="md" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Sell an experience voucher">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          <TextInput label="Price" required inputMode="decimal" placeholder="45.00" value={price} onChange={(e) => setPrice(e.currentTarget.value)} error={invalid ?? issues.priceMinor} />
          <TextInput label="Season" required placeholder="2026-2027" value={tax.season} onChange={(e) => setTax({ ...tax, season: e.currentTarget.value })} error={issues.season} />
          <TextInput label="VAT code" required value={tax.vatCode} onChange={(e) => setTax({ ...tax, vatCode: e.currentTarget.value })} error={issues.vatCode} />
          <NumberInput label="VAT rate today (%)" required min={0} max={100} decimalScale={2} value={tax.vatRate} onChange={(v) => setTax({ ...tax, vatRate: v })} error={issues.vatRateBp} />
          <TextInput label="Ticket product" required value={grant.productId} onChange={(e) => setGrant({ ...grant, productId: e.currentTarget.value })} />
          <TextInput label="Performance (optional)" value={grant.performanceId} onChange={(e) => setGrant({ ...grant, performanceId: e.currentTarget.value })} />
          <TextInput label="Audience subcategory" required value={grant.audienceSubcategory} onChange={(e) => setGrant({ ...grant, audienceSubcategory: e.currentTarget.value })} />
          <TextInput label="Seat category" required value={grant.seatCategory} onChange={(e) => setGrant({ ...grant, seatCategory: e.currentTarget.value })} />
          <NumberInput label="Tickets" required min={1} max={50} allowDecimal={false} value={grant.quantity} onChange={(v) => setGrant({ ...grant, quantity: v })} />
          <SaleFields form={sale} onChange={setSale} issues={issues} />
        </SimpleGrid>
        {sell.error !== undefined && <ProblemAlert error={sell.error} title="The experience voucher was not sold" />}
        <Button type="submit" w="fit-content" loading={sell.pending}>
          Sell the experience voucher
        </Button>
      </Stack>
    </Paper>
  );
}

/** The ticket is given with no payment; the answer books the revenue (and VAT, when it waited for the redemption). */
function Redeem() {
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [orderId, setOrderId] = useState('');
  const [redemptionId, setRedemptionId] = useState(() => crypto.randomUUID());
  const redeem = useMutation<{ code: string; pin?: string; redemptionId: string; orderId?: string }, { voucherId: string; grant: ExperienceGrant; accounting: AccountingLine[] }>(
    'POST',
    routes.experienceRedemptions,
  );
  const [done, setDone] = useState<{ grant: ExperienceGrant; accounting: AccountingLine[] }>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    const r = await redeem.run({ code: code.trim(), redemptionId, ...(pin.trim() ? { pin: pin.trim() } : {}), ...(orderId.trim() ? { orderId: orderId.trim() } : {}) });
    if (!r) return;
    setDone(r);
    setRedemptionId(crypto.randomUUID());
    setCode('');
    setPin('');
    setOrderId('');
  };
  return (
    <Stack>
      <Group align="end" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Redeem an experience voucher">
        <TextInput label="Experience voucher code" required value={code} onChange={(e) => setCode(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        <PasswordInput label="PIN (if the voucher has one)" inputMode="numeric" autoComplete="off" value={pin} onChange={(e) => setPin(e.currentTarget.value)} />
        <TextInput label="Order (optional)" value={orderId} onChange={(e) => setOrderId(e.currentTarget.value)} />
        <Button type="submit" variant="light" loading={redeem.pending}>
          Redeem
        </Button>
      </Group>
      {redeem.error !== undefined && <ProblemAlert error={redeem.error} title="The voucher was not redeemed" />}
      {done && (
        <>
          <Success title="Voucher redeemed">
            <Text>
              Give {done.grant.quantity} × {done.grant.productId} ({done.grant.audienceSubcategory}, {done.grant.seatCategory}
              {done.grant.performanceId ? `, performance ${done.grant.performanceId}` : ''}).
            </Text>
          </Success>
          <AccountingTable lines={done.accounting} caption="Accounting lines of the redemption" />
        </>
      )}
    </Stack>
  );
}
