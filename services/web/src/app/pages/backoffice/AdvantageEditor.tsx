import { ActionIcon, Button, Checkbox, Group, NumberInput, Paper, Radio, Select, SimpleGrid, Stack, Stepper, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation } from '../../api/hooks';
import { fieldIssues, ApiProblem } from '../../api/problem';
import { endOfSaleRules, fill, productFamilies, routes, targetTypes, type AdvantageInput, type AdvantageView, type EndOfSaleRule, type ProductFamily, type TargetType } from '../../api/routes';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatMoney, parseMinor } from '../../money';

export const familyLabels: Record<ProductFamily, string> = {
  'season-ticket': 'Season ticket',
  membership: 'Membership',
  voucher: 'Voucher',
  'experience-voucher': 'Experience voucher',
  competition: 'Competition',
  event: 'Event',
  package: 'Package',
  'dated-pass': 'Dated pass',
  'timed-pass': 'Timed pass',
  'undated-pass': 'Undated pass',
  service: 'Service',
  visit: 'Visit',
};

export const targetLabels: Record<TargetType, string> = {
  public: 'General public',
  indicator: 'Indicator level',
  partner: 'Partner (shared access code)',
  contacts: 'Contacts of a campaign target list',
  'single-use-codes': 'Single-use codes',
};

const endOfSaleLabels: Record<EndOfSaleRule, string> = {
  'performance-end-of-sales': "At the performance's end of sales",
  'performance-start-plus-tolerance': 'At performance start plus a tolerance',
  'no-limit': 'No limit',
};

export const channels = [
  { value: 'box-office', label: 'Box office' },
  { value: 'webshop', label: 'Webshop' },
  { value: 'call-centre', label: 'Call centre' },
  { value: 'partner-resale', label: 'Partner resale' },
];

/** Until when a performance's tickets may be sold with the offer; a tolerance when it counts from the start. */
export function EndOfSaleField({
  rule,
  toleranceMinutes,
  onChange,
}: {
  rule: EndOfSaleRule;
  toleranceMinutes: number | string;
  onChange(change: { endOfSale?: EndOfSaleRule; toleranceMinutes?: number | string }): void;
}) {
  return (
    <>
      <Radio.Group label="End of sale" required value={rule} onChange={(v) => onChange({ endOfSale: v as EndOfSaleRule })}>
        <Stack gap={6} mt={4}>
          {endOfSaleRules.map((r) => (
            <Radio key={r} value={r} label={endOfSaleLabels[r]} />
          ))}
        </Stack>
      </Radio.Group>
      {rule === 'performance-start-plus-tolerance' && (
        <NumberInput label="Tolerance in minutes" min={0} allowDecimal={false} value={toleranceMinutes} onChange={(v) => onChange({ toleranceMinutes: v })} />
      )}
    </>
  );
}

/** One special price: a product, optionally one audience subcategory and seat category. */
interface PriceRow {
  productId: string;
  audienceSubcategory: string;
  seatCategory: string;
  price: string;
  currency: string;
}

const emptyPrice: PriceRow = { productId: '', audienceSubcategory: '', seatCategory: '', price: '', currency: 'EUR' };

interface Form {
  season: string;
  productFamily: ProductFamily | null;
  name: string;
  publicName: string;
  targetType: TargetType;
  accessCode: string;
  indicatorName: string;
  indicatorLevel: string;
  quota: number | string;
  validFrom: string;
  validUntil: string;
  endOfSale: EndOfSaleRule;
  toleranceMinutes: number | string;
  prices: PriceRow[];
  channels: string[];
  putIntoOperation: boolean;
}

const empty: Form = {
  season: '',
  productFamily: null,
  name: '',
  publicName: '',
  targetType: 'single-use-codes',
  accessCode: '',
  indicatorName: '',
  indicatorLevel: '',
  quota: '',
  validFrom: '',
  validUntil: '',
  endOfSale: 'performance-end-of-sales',
  toleranceMinutes: 30,
  prices: [emptyPrice],
  channels: ['webshop'],
  putIntoOperation: true,
};

type Errors = Partial<Record<keyof Form | `price-${number}` | `product-${number}`, string>>;

/** Each step's own checks, so a person cannot move on with a gap; the service checks again. */
function check(step: number, f: Form): Errors {
  const e: Errors = {};
  if (step === 0) {
    if (!f.productFamily) e.productFamily = 'Choose the product family.';
    if (!/^\d{4}-\d{4}$/.test(f.season)) e.season = 'A season like 2025-2026.';
  }
  if (step === 1) {
    if (!f.name.trim()) e.name = 'Give the advantage an internal name.';
    if (!f.publicName.trim()) e.publicName = 'Give the advantage the name customers see.';
    if (f.targetType === 'partner' && !/^[A-Za-z0-9%_-]{4,40}$/.test(f.accessCode)) e.accessCode = '4 to 40 letters, digits, %, _ or -.';
    if (f.targetType === 'indicator' && !f.indicatorName.trim()) e.indicatorName = 'Which indicator.';
    if (f.targetType === 'indicator' && !f.indicatorLevel.trim()) e.indicatorLevel = 'Which level of the indicator.';
    if (f.quota !== '' && (!Number.isInteger(Number(f.quota)) || Number(f.quota) < 1)) e.quota = 'A whole number of at least 1, or empty for no quota.';
    if (f.validFrom && f.validUntil && f.validFrom >= f.validUntil) e.validUntil = 'The end must come after the start.';
  }
  if (step === 2) {
    f.prices.forEach((p, n) => {
      if (!p.productId.trim()) e[`product-${n}`] = 'Which product this price is for.';
      if (parseMinor(p.price, p.currency) === undefined) e[`price-${n}`] = `A price in ${p.currency}, like 45.00.`;
    });
  }
  if (step === 3 && f.channels.length === 0) e.channels = 'Choose at least one sales channel.';
  return e;
}

const localToIso = (v: string) => (v ? new Date(v).toISOString() : undefined);

function toInput(f: Form): AdvantageInput {
  const target =
    f.targetType === 'partner'
      ? { type: 'partner' as const, accessCode: f.accessCode }
      : f.targetType === 'indicator'
        ? { type: 'indicator' as const, indicator: f.indicatorName.trim(), level: f.indicatorLevel.trim() }
        : { type: f.targetType };
  return {
    season: f.season,
    family: f.productFamily!,
    names: { internal: { en: f.name.trim() }, public: { en: f.publicName.trim() } },
    target,
    channels: f.channels.length ? f.channels : null,
    validFrom: localToIso(f.validFrom) ?? null,
    validUntil: localToIso(f.validUntil) ?? null,
    endOfSale: f.endOfSale === 'performance-start-plus-tolerance' ? { rule: f.endOfSale, toleranceMinutes: Number(f.toleranceMinutes) } : { rule: f.endOfSale },
    quota: f.quota !== '' ? Number(f.quota) : null,
    prices: f.prices.map((p) => ({
      productId: p.productId.trim(),
      audienceSubcategory: p.audienceSubcategory.trim() || null,
      seatCategory: p.seatCategory.trim() || null,
      priceMinor: parseMinor(p.price, p.currency) ?? 0,
      currency: p.currency,
    })),
  };
}

/** The step-by-step editor of seed 002: family, general information, price, channels, validation. */
export function AdvantageEditor() {
  const [form, setForm] = useState<Form>(empty);
  const [step, setStep] = useState(0);
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation<AdvantageInput, AdvantageView>('POST', routes.advantages);
  const transition = useMutation<{ to: 'in-operation' }, AdvantageView>('POST', routes.advantageTransitions);
  const navigate = useNavigate();
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const serverIssues = create.error instanceof ApiProblem ? fieldIssues(create.error.problem) : {};
  const err = (k: keyof Errors) => errors[k] ?? (serverIssues as Record<string, string | undefined>)[k];

  const next = () => {
    const e = check(step, form);
    setErrors(e);
    if (Object.keys(e).length === 0) setStep((s) => s + 1);
  };
  const setPrice = (n: number, change: Partial<PriceRow>) => set('prices', form.prices.map((p, k) => (k === n ? { ...p, ...change } : p)));
  const submit = async () => {
    const created = await create.run(toInput(form));
    if (!created) return;
    if (form.putIntoOperation && !(await transition.run({ to: 'in-operation' }, fill(routes.advantageTransitions, { advantageId: created.advantageId })))) return;
    navigate(created.target.type === 'single-use-codes' ? `/back-office/codes?advantage=${created.advantageId}` : '/back-office/advantages');
  };

  const draft = step === 4 ? toInput(form) : undefined;
  return (
    <Stack>
      <Title order={2}>New advantage</Title>
      <RequiresRoutes routes={[`POST ${routes.advantages}`]} />
      <Paper withBorder p="md">
        <Stepper active={step} onStepClick={(s) => s < step && setStep(s)} size="sm" allowNextStepsSelect={false}>
          <Stepper.Step label="Product family">
            <SimpleGrid cols={{ base: 1, sm: 2 }} mt="md">
              <Select
                label="Product family of the advantage"
                required
                data={productFamilies.map((p) => ({ value: p, label: familyLabels[p] }))}
                value={form.productFamily}
                onChange={(v) => set('productFamily', v as ProductFamily | null)}
                error={err('productFamily')}
              />
              <TextInput label="Season" required placeholder="2025-2026" value={form.season} onChange={(e) => set('season', e.currentTarget.value)} error={err('season')} />
            </SimpleGrid>
          </Stepper.Step>
          <Stepper.Step label="General">
            <Stack mt="md">
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput label="Internal name" required value={form.name} onChange={(e) => set('name', e.currentTarget.value)} error={err('name')} />
                <TextInput label="Public name" required value={form.publicName} onChange={(e) => set('publicName', e.currentTarget.value)} error={err('publicName')} />
              </SimpleGrid>
              <Radio.Group label="Target type" required value={form.targetType} onChange={(v) => set('targetType', v as TargetType)}>
                <Stack gap={6} mt={4}>
                  {targetTypes.map((t) => (
                    <Radio key={t} value={t} label={targetLabels[t]} />
                  ))}
                </Stack>
              </Radio.Group>
              {form.targetType === 'partner' && (
                <TextInput label="Access code" required value={form.accessCode} onChange={(e) => set('accessCode', e.currentTarget.value)} error={err('accessCode')} />
              )}
              {form.targetType === 'indicator' && (
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TextInput label="Indicator" required value={form.indicatorName} onChange={(e) => set('indicatorName', e.currentTarget.value)} error={err('indicatorName')} />
                  <TextInput label="Indicator level" required value={form.indicatorLevel} onChange={(e) => set('indicatorLevel', e.currentTarget.value)} error={err('indicatorLevel')} />
                </SimpleGrid>
              )}
              <NumberInput label="Quota" description="How many times it may be sold in all; empty for no quota." min={1} allowDecimal={false} value={form.quota} onChange={(v) => set('quota', v)} error={err('quota')} />
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput type="datetime-local" label="Valid from" value={form.validFrom} onChange={(e) => set('validFrom', e.currentTarget.value)} error={err('validFrom')} />
                <TextInput type="datetime-local" label="Valid until" value={form.validUntil} onChange={(e) => set('validUntil', e.currentTarget.value)} error={err('validUntil')} />
              </SimpleGrid>
              <EndOfSaleField rule={form.endOfSale} toleranceMinutes={form.toleranceMinutes} onChange={(change) => setForm((f) => ({ ...f, ...change }))} />
            </Stack>
          </Stepper.Step>
          <Stepper.Step label="Price">
            <Stack mt="md">
              {form.prices.map((p, n) => (
                <Group key={n} align="end" wrap="wrap">
                  <TextInput label="Product" required value={p.productId} onChange={(e) => setPrice(n, { productId: e.currentTarget.value })} error={err(`product-${n}`)} />
                  <TextInput label="Audience subcategory" description="Empty for every audience" value={p.audienceSubcategory} onChange={(e) => setPrice(n, { audienceSubcategory: e.currentTarget.value })} />
                  <TextInput label="Seat category" description="Empty for every category" value={p.seatCategory} onChange={(e) => setPrice(n, { seatCategory: e.currentTarget.value })} />
                  <TextInput label="Special price" required inputMode="decimal" placeholder="45.00" value={p.price} onChange={(e) => setPrice(n, { price: e.currentTarget.value })} error={err(`price-${n}`)} />
                  <Select label="Currency" required data={['EUR', 'GBP', 'CHF', 'USD']} value={p.currency} onChange={(v) => setPrice(n, { currency: v ?? 'EUR' })} allowDeselect={false} w={110} />
                  {form.prices.length > 1 && (
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove price ${n + 1}`} onClick={() => set('prices', form.prices.filter((_, k) => k !== n))}>
                      ×
                    </ActionIcon>
                  )}
                </Group>
              ))}
              <Button variant="light" w="fit-content" onClick={() => set('prices', [...form.prices, { ...emptyPrice, currency: form.prices.at(-1)?.currency ?? 'EUR' }])}>
                Add a price
              </Button>
            </Stack>
          </Stepper.Step>
          <Stepper.Step label="Sales channels">
            <Checkbox.Group label="Sales channels where it can be bought" required value={form.channels} onChange={(v) => set('channels', v)} error={err('channels')} mt="md">
              <Stack gap={6} mt={4}>
                {channels.map((c) => (
                  <Checkbox key={c.value} value={c.value} label={c.label} />
                ))}
              </Stack>
            </Checkbox.Group>
          </Stepper.Step>
          <Stepper.Step label="Validation">
            {draft && (
              <Stack mt="md">
                <Table>
                  <Table.Caption>Summary of the advantage</Table.Caption>
                  <Table.Tbody>
                    {[
                      ['Product family', familyLabels[draft.family]],
                      ['Season', draft.season],
                      ['Name', `${form.name} (public: ${form.publicName})`],
                      ['Target', targetLabels[draft.target.type]],
                      ['Quota', draft.quota ?? 'none'],
                      ['Validity', `${form.validFrom || 'now'} → ${form.validUntil || 'no end'}; ${endOfSaleLabels[draft.endOfSale.rule]}`],
                      [
                        'Prices',
                        draft.prices
                          .map((p) => `${p.productId}${p.audienceSubcategory ? ` / ${p.audienceSubcategory}` : ''}${p.seatCategory ? ` / ${p.seatCategory}` : ''}: ${formatMoney({ amountMinor: p.priceMinor, currency: p.currency })}`)
                          .join('; '),
                      ],
                      ['Channels', (draft.channels ?? []).join(', ')],
                    ].map(([k, v]) => (
                      <Table.Tr key={String(k)}>
                        <Table.Th scope="row">{k}</Table.Th>
                        <Table.Td>{v}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Checkbox label="Put into operation now" checked={form.putIntoOperation} onChange={(e) => set('putIntoOperation', e.currentTarget.checked)} />
                {create.error !== undefined && <ProblemAlert error={create.error} title="The advantage was not created" />}
                {transition.error !== undefined && <ProblemAlert error={transition.error} title="The advantage was created but not put into operation" />}
              </Stack>
            )}
          </Stepper.Step>
        </Stepper>
        <Group justify="space-between" mt="lg">
          <Button component={Link} to="/back-office/advantages" variant="subtle">
            Cancel
          </Button>
          <Group>
            {step > 0 && (
              <Button variant="default" onClick={() => setStep((s) => s - 1)}>
                Back
              </Button>
            )}
            {step < 4 ? (
              <Button onClick={next}>Next</Button>
            ) : (
              <Button onClick={() => void submit()} loading={create.pending || transition.pending}>
                Create the advantage
              </Button>
            )}
          </Group>
        </Group>
      </Paper>
    </Stack>
  );
}
