import { Button, Group, Paper, PasswordInput, SimpleGrid, Stack, Tabs, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation } from '../../api/hooks';
import { routes, type SoldVoucher, type VoucherDetail } from '../../api/routes';
import { ProblemAlert } from '../../components/ProblemAlert';
import { parseMinor } from '../../money';
import { CustomerVouchers } from './CustomerVouchers';
import { ExperienceVouchers } from './ExperienceVouchers';
import { VoucherFile } from './VoucherFile';
import { amountError, issuesOf, newSaleForm, SaleFields, saleInput, SoldCode } from './VoucherSale';

/** Gift vouchers, a customer's vouchers and credit note, and experience vouchers, one tab each. */
export function VouchersPage() {
  return (
    <Stack>
      <Title order={2}>Vouchers &amp; credit notes</Title>
      <Tabs defaultValue="sell" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="sell">Sell a voucher</Tabs.Tab>
          <Tabs.Tab value="find">Find a voucher</Tabs.Tab>
          <Tabs.Tab value="customer">A customer’s vouchers &amp; credit note</Tabs.Tab>
          <Tabs.Tab value="experience">Experience vouchers</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="sell" pt="md">
          <RequiresRoutes routes={[`POST ${routes.vouchers}`]}>
            <SellVoucher />
          </RequiresRoutes>
        </Tabs.Panel>
        <Tabs.Panel value="find" pt="md">
          <RequiresRoutes routes={[`POST ${routes.voucherBalance}`, `GET ${routes.voucherHistory}`, `POST ${routes.voucherCancellation}`]}>
            <FindVoucher />
          </RequiresRoutes>
        </Tabs.Panel>
        <Tabs.Panel value="customer" pt="md">
          <RequiresRoutes routes={[`GET ${routes.contactVouchers}`, `GET ${routes.contactCreditNote}`, `POST ${routes.creditNoteConversions}`]}>
            <CustomerVouchers />
          </RequiresRoutes>
        </Tabs.Panel>
        <Tabs.Panel value="experience" pt="md">
          <ExperienceVouchers />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function SellVoucher() {
  const [form, setForm] = useState(newSaleForm);
  const [value, setValue] = useState('');
  const [saleId, setSaleId] = useState(() => crypto.randomUUID());
  const [invalid, setInvalid] = useState<string>();
  const [sold, setSold] = useState<SoldVoucher>();
  const sell = useMutation<ReturnType<typeof saleInput> & { valueMinor: number }, SoldVoucher>('POST', routes.vouchers);
  const issues = issuesOf(sell.error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const error = amountError(value, form.currency, '50.00');
    setInvalid(error);
    if (error) return;
    const done = await sell.run({ ...saleInput(form, saleId), valueMinor: parseMinor(value, form.currency) ?? 0 });
    if (!done) return;
    setSold(done);
    setSaleId(crypto.randomUUID());
    setForm(newSaleForm());
    setValue('');
  };

  if (sold) {
    return (
      <SoldCode
        sold={sold}
        onAnother={() => {
          setSold(undefined);
          sell.reset();
        }}
      />
    );
  }
  return (
    <Paper withBorder p="md" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Sell a gift voucher">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          <TextInput label="Value" required inputMode="decimal" placeholder="50.00" value={value} onChange={(e) => setValue(e.currentTarget.value)} error={invalid ?? issues.valueMinor} />
          <SaleFields form={form} onChange={setForm} issues={issues} />
        </SimpleGrid>
        {sell.error !== undefined && <ProblemAlert error={sell.error} title="The voucher was not sold" />}
        <Button type="submit" w="fit-content" loading={sell.pending}>
          Sell the voucher
        </Button>
      </Stack>
    </Paper>
  );
}

/** By its code, as the customer reads it out (and its PIN when it has one): the code never travels in a URL. */
function FindVoucher() {
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const find = useMutation<{ code: string; pin?: string }, VoucherDetail>('POST', routes.voucherBalance);
  const [found, setFound] = useState<VoucherDetail>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFound(undefined);
    const voucher = await find.run({ code: code.trim(), ...(pin.trim() ? { pin: pin.trim() } : {}) });
    if (voucher) setFound(voucher);
  };
  return (
    <Stack>
      <Group align="end" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Find a voucher by its code">
        <TextInput label="Voucher code" required value={code} onChange={(e) => setCode(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
        <PasswordInput label="PIN (if the voucher has one)" inputMode="numeric" autoComplete="off" value={pin} onChange={(e) => setPin(e.currentTarget.value)} />
        <Button type="submit" variant="light" loading={find.pending}>
          Find
        </Button>
      </Group>
      {find.error !== undefined && <ProblemAlert error={find.error} title="The voucher could not be shown" />}
      {found && <VoucherFile key={found.voucherId} voucherId={found.voucherId} />}
    </Stack>
  );
}
