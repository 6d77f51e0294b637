import { Badge, Button, Checkbox, Group, NumberInput, Paper, Radio, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { ApiProblem, fieldIssues } from '../../api/problem';
import { fill, funders, routes, textIn, type EndOfSaleRule, type Funder, type PromoCodeInput, type PromoCodeView } from '../../api/routes';
import { DataTable } from '../../components/DataTable';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { decimalString, formatMoney, parseMinor } from '../../money';
import { channels, EndOfSaleField } from './AdvantageEditor';
import { funderLabels, isoToLocal, localToIso, percentIssue } from './RewardEditor';

const stateLabels: Record<PromoCodeView['state'], string> = { draft: 'Draft', 'in-operation': 'In operation', closed: 'Closed' };

const describeDiscount = (d: PromoCodeInput['discount']) => (d.kind === 'percent' ? `${d.basisPoints / 100} % off the order` : `${formatMoney(d.amount)} off the order`);

/** Cart-wide promo codes (seed 002), each with its state and the way to edit or move it on. */
export function PromoCodeList() {
  const list = useQuery<{ promoCodes: PromoCodeView[] }>(routes.promoCodes);
  const transition = useMutation<{ to: 'in-operation' | 'closed' }, PromoCodeView>('POST', routes.promoCodeTransitions);
  const move = async (p: PromoCodeView, to: 'in-operation' | 'closed') => {
    if (await transition.run({ to }, fill(routes.promoCodeTransitions, { promoCodeId: p.promoCodeId }))) list.reload();
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Text>Codes a customer types at checkout for a reduction on the whole order.</Text>
        <Button component={Link} to="/back-office/advantages/promo-codes/new">
          New promo code
        </Button>
      </Group>
      <RequiresRoutes routes={[`GET ${routes.promoCodes}`, `POST ${routes.promoCodeTransitions}`]} />
      {transition.error !== undefined && <ProblemAlert error={transition.error} title="The promo code did not change state" />}
      <QueryView query={list} label="the promo codes">
        {({ promoCodes }) => (
          <DataTable
            caption="Promo codes of the organisation"
            minWidth={720}
            testId="promo-codes"
            empty="No promo code yet."
            columns={['Code', 'Name', 'Discount', 'Uses', 'State', 'Actions']}
            rows={promoCodes}
            rowKey={(p) => p.promoCodeId}
            cells={(p) => (
              <>
                <Table.Td ff="monospace">{p.accessCode}</Table.Td>
                <Table.Td>{textIn(p.names.internal)}</Table.Td>
                <Table.Td>{describeDiscount(p.discount)}</Table.Td>
                <Table.Td>
                  {p.usesTaken.toLocaleString()} / {p.maxUses === null ? 'no limit' : p.maxUses.toLocaleString()}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{stateLabels[p.state]}</Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    {p.state !== 'closed' && (
                      <Button component={Link} to={`/back-office/advantages/promo-codes/${p.promoCodeId}`} size="compact-sm" variant="light">
                        Edit {p.accessCode}
                      </Button>
                    )}
                    {p.state === 'draft' && (
                      <Button size="compact-sm" onClick={() => void move(p, 'in-operation')} loading={transition.pending}>
                        Put {p.accessCode} into operation
                      </Button>
                    )}
                    {p.state === 'in-operation' && (
                      <Button size="compact-sm" variant="default" onClick={() => void move(p, 'closed')} loading={transition.pending}>
                        Close {p.accessCode}
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </>
            )}
          />
        )}
      </QueryView>
    </Stack>
  );
}

interface Form {
  accessCode: string;
  internalName: string;
  publicName: string;
  discountKind: PromoCodeInput['discount']['kind'];
  percent: number | string;
  amount: string;
  currency: string;
  minCart: string;
  indicator: string;
  indicatorLevel: string;
  channels: string[];
  validFrom: string;
  validUntil: string;
  endOfSale: EndOfSaleRule;
  toleranceMinutes: number | string;
  maxUses: number | string;
  fundedBy: Funder;
  putIntoOperation: boolean;
}

function formOf(p: PromoCodeView | undefined): Form {
  const currency = p?.discount.kind === 'fixed' ? p.discount.amount.currency : (p?.minCartAmount?.currency ?? 'EUR');
  return {
    accessCode: p?.accessCode ?? '',
    internalName: p ? textIn(p.names.internal) : '',
    publicName: p ? textIn(p.names.public) : '',
    discountKind: p?.discount.kind ?? 'percent',
    percent: p?.discount.kind === 'percent' ? p.discount.basisPoints / 100 : '',
    amount: p?.discount.kind === 'fixed' ? decimalString(p.discount.amount.amountMinor, currency) : '',
    currency,
    minCart: p?.minCartAmount ? decimalString(p.minCartAmount.amountMinor, currency) : '',
    indicator: p?.indicator?.indicator ?? '',
    indicatorLevel: p?.indicator?.level ?? '',
    channels: p?.channels ?? [],
    validFrom: p?.validFrom ? isoToLocal(p.validFrom) : '',
    validUntil: p?.validUntil ? isoToLocal(p.validUntil) : '',
    endOfSale: p?.endOfSale.rule ?? 'no-limit',
    toleranceMinutes: p?.endOfSale.rule === 'performance-start-plus-tolerance' ? p.endOfSale.toleranceMinutes : 30,
    maxUses: p?.maxUses ?? '',
    fundedBy: p?.fundedBy ?? 'organizer',
    putIntoOperation: true,
  };
}

type Errors = Partial<Record<'accessCode' | 'internalName' | 'publicName' | 'percent' | 'amount' | 'minCart' | 'indicator' | 'validUntil' | 'maxUses', string>>;

function check(f: Form): Errors {
  const e: Errors = {};
  if (f.accessCode.replace(/[\s-]+/g, '').length < 3) e.accessCode = 'At least 3 letters or digits.';
  if (!f.internalName.trim()) e.internalName = 'Give the promo code an internal name.';
  if (!f.publicName.trim()) e.publicName = 'Give the promo code the name customers see.';
  if (f.discountKind === 'percent') e.percent = percentIssue(f.percent);
  if (f.discountKind === 'fixed' && !parseMinor(f.amount, f.currency)) e.amount = `An amount in ${f.currency}, like 5.00.`;
  if (f.minCart && parseMinor(f.minCart, f.currency) === undefined) e.minCart = `An amount in ${f.currency}, or empty for no minimum.`;
  if (Boolean(f.indicator.trim()) !== Boolean(f.indicatorLevel.trim())) e.indicator = 'Give both the indicator and its level, or neither.';
  if (f.validFrom && f.validUntil && f.validFrom >= f.validUntil) e.validUntil = 'The end must come after the start.';
  if (f.maxUses !== '' && (!Number.isInteger(Number(f.maxUses)) || Number(f.maxUses) < 1)) e.maxUses = 'A whole number of at least 1, or empty for no limit.';
  return e;
}

function toInput(f: Form): PromoCodeInput {
  return {
    accessCode: f.accessCode.trim(),
    names: { internal: { en: f.internalName.trim() }, public: { en: f.publicName.trim() } },
    discount:
      f.discountKind === 'percent'
        ? { kind: 'percent', basisPoints: Math.round(Number(f.percent) * 100) }
        : { kind: 'fixed', amount: { amountMinor: parseMinor(f.amount, f.currency) ?? 0, currency: f.currency } },
    minCartAmount: f.minCart ? { amountMinor: parseMinor(f.minCart, f.currency) ?? 0, currency: f.currency } : null,
    indicator: f.indicator.trim() ? { indicator: f.indicator.trim(), level: f.indicatorLevel.trim() } : null,
    channels: f.channels.length ? f.channels : null,
    validFrom: localToIso(f.validFrom),
    validUntil: localToIso(f.validUntil),
    endOfSale: f.endOfSale === 'performance-start-plus-tolerance' ? { rule: f.endOfSale, toleranceMinutes: Number(f.toleranceMinutes) } : { rule: f.endOfSale },
    maxUses: f.maxUses !== '' ? Number(f.maxUses) : null,
    fundedBy: f.fundedBy,
  };
}

/** Once customers have the code, only these may change (the promotion service's own rule). */
const editableInOperation = new Set<keyof PromoCodeInput>(['names', 'channels', 'validUntil', 'endOfSale', 'maxUses']);

/** Only what the person changed: the rest, locked or not, is left as it is. */
function changes(before: PromoCodeInput, after: PromoCodeInput): Partial<PromoCodeInput> {
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof PromoCodeInput])));
}

/** A new promo code (`/back-office/advantages/promo-codes/new`) or an existing one (`…/:promoCodeId`). */
export function PromoCodeEditorPage() {
  const { promoCodeId } = useParams();
  const existing = useQuery<PromoCodeView>(promoCodeId ? fill(routes.promoCode, { promoCodeId }) : undefined);
  return (
    <Stack>
      <Title order={2}>{promoCodeId ? 'Edit the promo code' : 'New promo code'}</Title>
      <RequiresRoutes routes={[promoCodeId ? `PATCH ${routes.promoCode}` : `POST ${routes.promoCodes}`]} />
      {promoCodeId ? (
        <QueryView query={existing} label="the promo code">
          {(p) => <PromoCodeForm key={p.promoCodeId} promo={p} />}
        </QueryView>
      ) : (
        <PromoCodeForm />
      )}
    </Stack>
  );
}

function PromoCodeForm({ promo }: { promo?: PromoCodeView }) {
  const [initial] = useState(() => formOf(promo));
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation<PromoCodeInput, PromoCodeView>('POST', routes.promoCodes);
  const update = useMutation<Partial<PromoCodeInput>, PromoCodeView>('PATCH', routes.promoCode);
  const transition = useMutation<{ to: 'in-operation' }, PromoCodeView>('POST', routes.promoCodeTransitions);
  const save = promo ? update : create;
  const navigate = useNavigate();
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const serverIssues: Record<string, string | undefined> = save.error instanceof ApiProblem ? fieldIssues(save.error.problem) : {};
  const err = (k: keyof Errors, path: string = k) => errors[k] ?? serverIssues[path];
  // In operation, the fields customers rely on are shown but cannot change.
  const locked = (field: keyof PromoCodeInput) => promo?.state === 'in-operation' && !editableInOperation.has(field);
  const lockedNote = (field: keyof PromoCodeInput) => (locked(field) ? 'Cannot change once in operation.' : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = check(form);
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    if (promo) {
      const changed = changes(toInput(initial), toInput(form));
      if (Object.keys(changed).length > 0 && !(await update.run(changed, fill(routes.promoCode, { promoCodeId: promo.promoCodeId })))) return;
    } else {
      const created = await create.run(toInput(form));
      if (!created) return;
      if (form.putIntoOperation && !(await transition.run({ to: 'in-operation' }, fill(routes.promoCodeTransitions, { promoCodeId: created.promoCodeId })))) return;
    }
    navigate('/back-office/advantages?tab=promo-codes');
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Promo code">
      <Stack>
        {promo && (
          <Group gap="xs">
            <Badge variant="light">{stateLabels[promo.state]}</Badge>
            <Text size="sm">Used {promo.usesTaken.toLocaleString()} times so far.</Text>
          </Group>
        )}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Code"
            required
            description={lockedNote('accessCode') ?? 'What customers type; case, spaces and dashes do not matter.'}
            disabled={locked('accessCode')}
            value={form.accessCode}
            onChange={(e) => set('accessCode', e.currentTarget.value)}
            error={err('accessCode')}
            spellCheck={false}
            autoComplete="off"
          />
          <TextInput label="Internal name" required value={form.internalName} onChange={(e) => set('internalName', e.currentTarget.value)} error={err('internalName')} />
          <TextInput label="Public name" required value={form.publicName} onChange={(e) => set('publicName', e.currentTarget.value)} error={err('publicName')} />
        </SimpleGrid>
        <Radio.Group label="Discount on the whole order" required description={lockedNote('discount')} value={form.discountKind} onChange={(v) => set('discountKind', v as Form['discountKind'])}>
          <Group gap="lg" mt={4}>
            <Radio value="percent" label="Percentage off" disabled={locked('discount')} />
            <Radio value="fixed" label="Fixed amount off" disabled={locked('discount')} />
          </Group>
        </Radio.Group>
        <Group align="start" wrap="wrap">
          {form.discountKind === 'percent' ? (
            <NumberInput label="Percentage off" required min={0.01} max={100} decimalScale={2} suffix=" %" disabled={locked('discount')} value={form.percent} onChange={(v) => set('percent', v)} error={err('percent')} />
          ) : (
            <TextInput label="Amount off" required inputMode="decimal" placeholder="5.00" disabled={locked('discount')} value={form.amount} onChange={(e) => set('amount', e.currentTarget.value)} error={err('amount')} />
          )}
          <TextInput
            label="Minimum order amount"
            description={lockedNote('minCartAmount') ?? 'Empty for no minimum.'}
            inputMode="decimal"
            disabled={locked('minCartAmount')}
            value={form.minCart}
            onChange={(e) => set('minCart', e.currentTarget.value)}
            error={err('minCart')}
          />
          <Select
            label="Currency"
            data={['EUR', 'GBP', 'CHF', 'USD']}
            disabled={locked('discount') && locked('minCartAmount')}
            value={form.currency}
            onChange={(v) => set('currency', v ?? 'EUR')}
            allowDeselect={false}
            w={180}
          />
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Only for customers with the indicator"
            description={lockedNote('indicator') ?? 'Empty for every customer.'}
            disabled={locked('indicator')}
            value={form.indicator}
            onChange={(e) => set('indicator', e.currentTarget.value)}
            error={err('indicator')}
          />
          <TextInput label="At the level" disabled={locked('indicator')} value={form.indicatorLevel} onChange={(e) => set('indicatorLevel', e.currentTarget.value)} />
        </SimpleGrid>
        <Checkbox.Group label="Sales channels" description="None ticked: every channel." value={form.channels} onChange={(v) => set('channels', v)}>
          <Group gap="lg" mt={4}>
            {channels.map((c) => (
              <Checkbox key={c.value} value={c.value} label={c.label} />
            ))}
          </Group>
        </Checkbox.Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            type="datetime-local"
            label="Valid from"
            description={lockedNote('validFrom')}
            disabled={locked('validFrom')}
            value={form.validFrom}
            onChange={(e) => set('validFrom', e.currentTarget.value)}
          />
          <TextInput type="datetime-local" label="Valid until" value={form.validUntil} onChange={(e) => set('validUntil', e.currentTarget.value)} error={err('validUntil')} />
        </SimpleGrid>
        <EndOfSaleField rule={form.endOfSale} toleranceMinutes={form.toleranceMinutes} onChange={(change) => setForm((f) => ({ ...f, ...change }))} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput
            label="Maximum uses"
            description={promo ? `Empty for no limit; not below the ${promo.usesTaken.toLocaleString()} already used or held.` : 'In all, across customers; empty for no limit.'}
            min={1}
            allowDecimal={false}
            value={form.maxUses}
            onChange={(v) => set('maxUses', v)}
            error={err('maxUses')}
          />
          <Select
            label="Funded by"
            description={lockedNote('fundedBy')}
            data={funders.map((f) => ({ value: f, label: funderLabels[f] }))}
            disabled={locked('fundedBy')}
            value={form.fundedBy}
            onChange={(v) => set('fundedBy', (v as Funder | null) ?? 'organizer')}
            allowDeselect={false}
          />
        </SimpleGrid>
        {!promo && <Checkbox label="Put into operation now" checked={form.putIntoOperation} onChange={(e) => set('putIntoOperation', e.currentTarget.checked)} />}
        {save.error !== undefined && <ProblemAlert error={save.error} title={promo ? 'The promo code was not saved' : 'The promo code was not created'} />}
        {transition.error !== undefined && <ProblemAlert error={transition.error} title="The promo code was created but not put into operation" />}
        <Group justify="space-between">
          <Button component={Link} to="/back-office/advantages?tab=promo-codes" variant="subtle">
            Cancel
          </Button>
          <Button type="submit" loading={save.pending || transition.pending}>
            {promo ? 'Save the promo code' : 'Create the promo code'}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
