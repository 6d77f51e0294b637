import { ActionIcon, Badge, Button, Checkbox, Fieldset, Group, Modal, MultiSelect, NumberInput, Paper, Radio, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { ApiProblem, fieldIssues } from '../../api/problem';
import {
  criteria,
  earnRuleKinds,
  fill,
  productFamilies,
  routes,
  type Criterion,
  type EarnRule,
  type EarnRuleKind,
  type LoyaltyProgramInput,
  type LoyaltyProgramView,
  type ProductFamily,
} from '../../api/routes';
import { MoneyText, PointsText } from '../../components/Amounts';
import { DataTable } from '../../components/DataTable';
import { Caution } from '../../components/Notices';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { decimalString, parseMinor } from '../../money';
import { formatCount } from '../../tiers';
import { familyLabels } from './AdvantageEditor';
import { userLocale } from '../../intl';

const criterionLabels: Record<Criterion, string> = {
  'total-spending': 'Total spending',
  'tickets-purchased': 'Tickets purchased',
  'events-attended': 'Events attended',
  'membership-days': 'Days of membership',
};

const earnKindLabels: Record<EarnRuleKind, string> = {
  'per-amount': 'Per amount spent',
  'per-product': 'Per product bought',
  'per-section': 'Per seat in a section',
  'per-visit': 'Per visit',
};

/** Loyalty programs (seeds 000 and 001): wording, conversion to money, earn rules, tiers, products priced in points. */
export function LoyaltyProgramsPage() {
  return (
    <Stack>
      <Title order={2}>Loyalty programs</Title>
      <RequiresRoutes
        routes={[
          `GET ${routes.loyaltyPrograms}`,
          `POST ${routes.loyaltyPrograms}`,
          `PATCH ${routes.loyaltyProgram}`,
          `POST ${routes.loyaltyProgramActivation}`,
          `POST ${routes.loyaltyProgramClones}`,
        ]}
      >
        <Programs />
      </RequiresRoutes>
    </Stack>
  );
}

function Programs() {
  const list = useQuery<{ programs: LoyaltyProgramView[] }>(routes.loyaltyPrograms);
  const [editing, setEditing] = useState<LoyaltyProgramView | 'new'>();
  const [cloning, setCloning] = useState<LoyaltyProgramView>();
  const [done, setDone] = useState<string>();
  const activation = useMutation<{ active: boolean }, LoyaltyProgramView>('POST', routes.loyaltyProgramActivation);

  const finished = (message: string) => {
    setDone(message);
    setEditing(undefined);
    setCloning(undefined);
    list.reload();
  };
  const toggle = async (p: LoyaltyProgramView) => {
    setDone(undefined);
    const changed = await activation.run({ active: !p.active }, fill(routes.loyaltyProgramActivation, { programId: p.programId }));
    if (changed) finished(changed.active ? `“${changed.name}” is active.` : `“${changed.name}” is no longer active.`);
  };

  return (
    <Stack>
      {editing ? (
        <ProgramEditor
          key={editing === 'new' ? 'new' : editing.programId}
          program={editing === 'new' ? undefined : editing}
          onSaved={(p, created) => finished(created ? `“${p.name}” created. It is inactive until you activate it.` : `Changes to “${p.name}” saved.`)}
          onCancel={() => setEditing(undefined)}
        />
      ) : (
        <Button
          w="fit-content"
          onClick={() => {
            setDone(undefined);
            setEditing('new');
          }}
        >
          New loyalty program
        </Button>
      )}
      {done && (
        <Text role="status" fw={600}>
          {done}
        </Text>
      )}
      {activation.error !== undefined && <ProblemAlert error={activation.error} title="The program's activation did not change" />}
      <QueryView query={list} label="the loyalty programs">
        {({ programs }) => (
          <DataTable
            caption="Loyalty programs of the organisation"
            region="Loyalty programs table"
            minWidth={860}
            testId="loyalty-programs"
            empty="No loyalty program yet."
            columns={['Name', 'Points called', 'Value', 'Earn rules', 'Tiers', 'Status', 'Actions']}
            rows={programs}
            rowKey={(p) => p.programId}
            cells={(p) => (
              <>
                <Table.Td>{p.name}</Table.Td>
                <Table.Td>
                  {Object.entries(p.wording)
                    .map(([language, word]) => `${typeof word === 'string' ? word : `${word.one} / ${word.other}`} (${language})`)
                    .join(', ')}
                </Table.Td>
                <Table.Td>
                  <PointsText points={p.valueDenominator} wording={p.wording} /> = <MoneyText money={{ amountMinor: p.valueNumerator, currency: p.currency }} />
                </Table.Td>
                <Table.Td>
                  <Lines items={p.earnRules.map((r, n) => <RuleText key={n} rule={r} program={p} />)} none="None" />
                </Table.Td>
                <Table.Td>
                  <Lines
                    items={p.tiers.map((t) => (
                      <span key={t.name}>
                        {t.name}: {criterionLabels[t.criterion]} from <Threshold criterion={t.criterion} value={t.threshold} currency={p.currency} />
                      </span>
                    ))}
                    none="None"
                  />
                </Table.Td>
                <Table.Td>
                  <Badge color={p.active ? 'teal.9' : 'gray.8'} variant="filled" miw="max-content">
                    {p.active ? 'Active' : 'Inactive'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Button size="compact-sm" variant="light" aria-label={`Edit ${p.name}`} onClick={() => setEditing(p)}>
                      Edit
                    </Button>
                    <Button
                      size="compact-sm"
                      variant="light"
                      aria-label={`${p.active ? 'Deactivate' : 'Activate'} ${p.name}`}
                      loading={activation.pending}
                      onClick={() => void toggle(p)}
                    >
                      {p.active ? 'Deactivate' : 'Activate'}
                    </Button>
                    <Button size="compact-sm" variant="light" aria-label={`Clone ${p.name}`} onClick={() => setCloning(p)}>
                      Clone
                    </Button>
                  </Group>
                </Table.Td>
              </>
            )}
          />
        )}
      </QueryView>
      {cloning && <CloneDialog program={cloning} onClose={() => setCloning(undefined)} onCloned={(copy) => finished(`“${cloning.name}” cloned as “${copy.name}”, inactive.`)} />}
    </Stack>
  );
}

function Lines({ items, none }: { items: ReactNode[]; none: string }) {
  if (items.length === 0) return <>{none}</>;
  return (
    <Stack gap={2}>
      {items.map((item, n) => (
        <Text key={n} size="sm">
          {item}
        </Text>
      ))}
    </Stack>
  );
}

/** Where a tier starts: an amount spent, or a count ("from 1 ticket", "from 5 tickets"). */
function Threshold({ criterion, value, currency }: { criterion: Criterion; value: number; currency: string }) {
  if (criterion === 'total-spending') return <MoneyText money={{ amountMinor: value, currency }} />;
  return <>{formatCount(value, criterion, userLocale())}</>;
}

function RuleText({ rule, program }: { rule: EarnRule; program: LoyaltyProgramView }) {
  const what =
    rule.kind === 'per-amount' ? (
      <>
        {' '}
        per <MoneyText money={{ amountMinor: rule.perAmountMinor, currency: program.currency }} /> spent
      </>
    ) : rule.kind === 'per-product' ? (
      ` per ${rule.productId} bought`
    ) : rule.kind === 'per-section' ? (
      ` per seat in section ${rule.sectionId}`
    ) : (
      ' per visit'
    );
  const only = [rule.scope.productIds?.join(', '), rule.scope.families?.map((f) => familyLabels[f]).join(', '), rule.scope.channels?.join(', '), rule.scope.pointsOfSale?.join(', ')].filter(Boolean);
  return (
    <>
      <PointsText points={rule.points} wording={program.wording} />
      {what}
      {only.length > 0 && ` (only ${only.join('; ')})`}
    </>
  );
}

function CloneDialog({ program, onClose, onCloned }: { program: LoyaltyProgramView; onClose(): void; onCloned(copy: LoyaltyProgramView): void }) {
  const [name, setName] = useState(`${program.name} (copy)`);
  const clone = useMutation<{ name: string }, LoyaltyProgramView>('POST', routes.loyaltyProgramClones);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const copy = await clone.run({ name: name.trim() }, fill(routes.loyaltyProgramClones, { programId: program.programId }));
    if (copy) onCloned(copy);
  };
  return (
    <Modal opened onClose={onClose} title={`Clone ${program.name}`} closeButtonProps={{ 'aria-label': 'Close without cloning' }}>
      <Stack component="form" onSubmit={(e: FormEvent) => void submit(e)}>
        <Text size="sm">The copy has every setting of “{program.name}” and stays inactive until you activate it.</Text>
        <TextInput label="Name of the copy" required data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={200} />
        {clone.error !== undefined && <ProblemAlert error={clone.error} title="The program was not cloned" />}
        <Group justify="flex-end">
          <Button variant="subtle" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={clone.pending} disabled={!name.trim()}>
            Clone
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// --- the editor ------------------------------------------------------------------------------------

/** What points are called in one language, in the singular and the plural (the same word when the language has one). */
interface WordingRow {
  language: string;
  one: string;
  other: string;
}

/** One earn rule as typed: amounts as text in the program's currency, lists as comma-separated text. */
interface RuleRow {
  kind: EarnRuleKind;
  points: number | string;
  productId: string;
  sectionId: string;
  perAmount: string;
  productIds: string;
  families: string[];
  channels: string;
  pointsOfSale: string;
}

/** A tier as typed: the threshold is an amount for total spending, a count otherwise. */
interface TierRow {
  name: string;
  criterion: Criterion;
  threshold: string;
}

interface PriceRow {
  productId: string;
  points: number | string;
}

interface Form {
  name: string;
  unit: 'points' | 'currency';
  wording: WordingRow[];
  currency: string;
  /** "worthPoints points are worth worthAmount": the conversion as a venue says it. */
  worthPoints: number | string;
  worthAmount: string;
  expires: boolean;
  validityDays: number | string;
  seasonTicketHoldersOnly: boolean;
  earnRules: RuleRow[];
  tiers: TierRow[];
  productPrices: PriceRow[];
}

const emptyRule: RuleRow = { kind: 'per-amount', points: 1, productId: '', sectionId: '', perAmount: '1', productIds: '', families: [], channels: '', pointsOfSale: '' };
const emptyTier: TierRow = { name: '', criterion: 'total-spending', threshold: '' };
const emptyPrice: PriceRow = { productId: '', points: '' };

const emptyForm: Form = {
  name: '',
  unit: 'points',
  wording: [{ language: 'en', one: '', other: '' }],
  currency: 'EUR',
  worthPoints: 100,
  worthAmount: '1',
  expires: true,
  validityDays: 365,
  seasonTicketHoldersOnly: false,
  earnRules: [],
  tiers: [],
  productPrices: [],
};

const joined = (items: string[] | null) => (items ?? []).join(', ');

function fromProgram(p: LoyaltyProgramView): Form {
  return {
    name: p.name,
    unit: p.unit,
    wording: Object.entries(p.wording).map(([language, word]) => (typeof word === 'string' ? { language, one: word, other: word } : { language, ...word })),
    currency: p.currency,
    worthPoints: p.valueDenominator,
    worthAmount: decimalString(p.valueNumerator, p.currency),
    expires: p.pointsValidityDays !== null,
    validityDays: p.pointsValidityDays ?? 365,
    seasonTicketHoldersOnly: p.seasonTicketHoldersOnly,
    earnRules: p.earnRules.map((r) => ({
      kind: r.kind,
      points: r.points,
      productId: r.kind === 'per-product' ? r.productId : '',
      sectionId: r.kind === 'per-section' ? r.sectionId : '',
      perAmount: r.kind === 'per-amount' ? decimalString(r.perAmountMinor, p.currency) : '1',
      productIds: joined(r.scope.productIds),
      families: r.scope.families ?? [],
      channels: joined(r.scope.channels),
      pointsOfSale: joined(r.scope.pointsOfSale),
    })),
    tiers: p.tiers.map((t) => ({ name: t.name, criterion: t.criterion, threshold: t.criterion === 'total-spending' ? decimalString(t.threshold, p.currency) : String(t.threshold) })),
    productPrices: p.productPrices.map((x) => ({ productId: x.productId, points: x.points })),
  };
}

type Errors = Record<string, string>;

const isCurrency = (c: string) => /^[A-Z]{3}$/.test(c);
const wholeAtLeast = (v: number | string, min: number) => v !== '' && Number.isInteger(Number(v)) && Number(v) >= min;
/** An amount typed in the form's currency, in minor units; undefined while the currency or the amount is not valid. */
const amountOf = (f: Form, text: string) => (isCurrency(f.currency) ? parseMinor(text, f.currency) : undefined);
const listOf = (text: string) => {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
};

/**
 * The contract's rules, checked before sending so the person sees them beside each field; keys
 * are the contract's field paths, as the gateway names them in a VALIDATION_FAILED problem.
 */
function check(f: Form): Errors {
  const e: Errors = {};
  if (!f.name.trim()) e.name = 'Give the program a name.';
  if (!isCurrency(f.currency)) e.currency = 'A three-letter currency code, like EUR.';
  if (f.wording.length === 0) e.wording = 'Say what points are called in at least one language.';
  f.wording.forEach((w, n) => {
    if (!/^[a-z]{2}(-[A-Z]{2})?$/.test(w.language)) e[`wording.${n}.language`] = 'A language code, like en or fr-BE.';
    else if (f.wording.findIndex((o) => o.language === w.language) !== n) e[`wording.${n}.language`] = 'This language is already worded above.';
    if (!w.one.trim()) e[`wording.${n}.one`] = 'The word for one point in this language, like star.';
    if (!w.other.trim()) e[`wording.${n}.other`] = 'The word for several points in this language, like stars.';
  });
  if (!wholeAtLeast(f.worthPoints, 1)) e.valueDenominator = 'A whole number of points, at least 1.';
  if (!amountOf(f, f.worthAmount)) e.valueNumerator = `An amount in ${f.currency} above zero, like 1.00.`;
  if (f.expires && !(wholeAtLeast(f.validityDays, 1) && Number(f.validityDays) <= 3650)) e.pointsValidityDays = 'Between 1 and 3,650 days.';
  f.earnRules.forEach((r, n) => {
    if (!wholeAtLeast(r.points, 0)) e[`earnRules.${n}.points`] = 'A whole number of points.';
    if (r.kind === 'per-product' && !r.productId.trim()) e[`earnRules.${n}.productId`] = 'Which product earns the points.';
    if (r.kind === 'per-section' && !r.sectionId.trim()) e[`earnRules.${n}.sectionId`] = 'Which section earns the points.';
    if (r.kind === 'per-amount' && !amountOf(f, r.perAmount)) e[`earnRules.${n}.perAmountMinor`] = `An amount in ${f.currency} above zero, like 10.00.`;
  });
  f.tiers.forEach((t, n) => {
    if (!t.name.trim()) e[`tiers.${n}.name`] = 'Give the tier a name, like Gold.';
    else if (f.tiers.findIndex((o) => o.name.trim() === t.name.trim()) !== n) e[`tiers.${n}.name`] = 'Another tier has this name.';
    const ok = t.criterion === 'total-spending' ? amountOf(f, t.threshold) !== undefined : /^\d+$/.test(t.threshold.trim());
    if (!ok) e[`tiers.${n}.threshold`] = t.criterion === 'total-spending' ? `An amount in ${f.currency}, like 500.00.` : 'A whole number.';
  });
  f.productPrices.forEach((x, n) => {
    if (!x.productId.trim()) e[`productPrices.${n}.productId`] = 'Which product.';
    if (!wholeAtLeast(x.points, 1)) e[`productPrices.${n}.points`] = 'A whole number of points, at least 1.';
  });
  return e;
}

/** The form as the contract's input; only called once `check` found nothing. */
function toInput(f: Form): LoyaltyProgramInput {
  const amount = (text: string) => amountOf(f, text) ?? 0;
  return {
    name: f.name.trim(),
    unit: f.unit,
    // One word when both forms are the same: what a program worded before the plural was read back unchanged.
    wording: Object.fromEntries(f.wording.map((w) => [w.language, w.one.trim() === w.other.trim() ? w.other.trim() : { one: w.one.trim(), other: w.other.trim() }])),
    currency: f.currency,
    valueNumerator: amount(f.worthAmount),
    valueDenominator: Number(f.worthPoints),
    pointsValidityDays: f.expires ? Number(f.validityDays) : null,
    seasonTicketHoldersOnly: f.seasonTicketHoldersOnly,
    earnRules: f.earnRules.map((r) => {
      const scope = { productIds: listOf(r.productIds), families: r.families.length ? (r.families as ProductFamily[]) : null, channels: listOf(r.channels), pointsOfSale: listOf(r.pointsOfSale) };
      const points = Number(r.points);
      switch (r.kind) {
        case 'per-amount':
          return { kind: r.kind, points, perAmountMinor: amount(r.perAmount), scope };
        case 'per-product':
          return { kind: r.kind, points, productId: r.productId.trim(), scope };
        case 'per-section':
          return { kind: r.kind, points, sectionId: r.sectionId.trim(), scope };
        case 'per-visit':
          return { kind: r.kind, points, scope };
      }
    }),
    tiers: f.tiers.map((t) => ({ name: t.name.trim(), criterion: t.criterion, threshold: t.criterion === 'total-spending' ? amount(t.threshold) : Number(t.threshold) })),
    productPrices: f.productPrices.map((x) => ({ productId: x.productId.trim(), points: Number(x.points) })),
  };
}

function ProgramEditor({ program, onSaved, onCancel }: { program?: LoyaltyProgramView; onSaved(p: LoyaltyProgramView, created: boolean): void; onCancel(): void }) {
  const [form, setForm] = useState<Form>(() => (program ? fromProgram(program) : emptyForm));
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation<LoyaltyProgramInput, LoyaltyProgramView>('POST', routes.loyaltyPrograms);
  const update = useMutation<LoyaltyProgramInput, LoyaltyProgramView>('PATCH', routes.loyaltyProgram);
  const saving = program ? update : create;
  const serverIssues = saving.error instanceof ApiProblem ? fieldIssues(saving.error.problem) : {};
  const err = (path: string) => errors[path] ?? serverIssues[path];

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setRow = <K extends 'wording' | 'earnRules' | 'tiers' | 'productPrices'>(k: K, n: number, change: Partial<Form[K][number]>) =>
    set(k, form[k].map((row, i) => (i === n ? { ...row, ...change } : row)) as Form[K]);
  const removeRow = <K extends 'wording' | 'earnRules' | 'tiers' | 'productPrices'>(k: K, n: number) => set(k, form[k].filter((_, i) => i !== n) as Form[K]);
  const money = `in ${isCurrency(form.currency) ? form.currency : 'the currency'}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = check(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const input = toInput(form);
    if (!program) {
      const created = await create.run(input);
      if (created) onSaved(created, true);
      return;
    }
    const saved = await update.run(input, fill(routes.loyaltyProgram, { programId: program.programId }));
    if (saved) onSaved(saved, false);
  };

  const title = program ? `Edit ${program.name}` : 'New loyalty program';
  return (
    <Paper withBorder p="md" component="form" aria-label={title} noValidate onSubmit={(e: FormEvent) => void submit(e)}>
      <Stack>
        <Title order={3}>{title}</Title>
        {program?.active && (
          <Caution title="This program is active">
            What you save applies at once: the money value of every balance, what purchases earn from now on, and who reaches which tier.
          </Caution>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Program name" required maxLength={200} value={form.name} onChange={(e) => set('name', e.currentTarget.value)} error={err('name')} />
          <TextInput
            label="Currency"
            description="Three letters, like EUR"
            required
            maxLength={3}
            value={form.currency}
            onChange={(e) => set('currency', e.currentTarget.value.toUpperCase())}
            error={err('currency')}
          />
        </SimpleGrid>
        <Radio.Group label="What the accounts hold" required value={form.unit} onChange={(v) => set('unit', v === 'currency' ? 'currency' : 'points')}>
          <Stack gap={6} mt={4}>
            <Radio value="points" label="Points" />
            <Radio value="currency" label="An amount of money credited to the account" />
          </Stack>
        </Radio.Group>

        <Fieldset legend="What points are called">
          <Stack gap="xs">
            <Text size="sm">
              The program's own word for its points, per language, in the singular and the plural (1 star, 250 stars; 1 étoile, 250 étoiles), as fans and the
              till see it. A language without plurals takes the same word twice.
            </Text>
            {err('wording') && (
              <Text size="sm" c="red.8" role="alert">
                {err('wording')}
              </Text>
            )}
            {form.wording.map((w, n) => (
              <Group key={n} align="start" role="group" aria-label={`Wording ${n + 1}`}>
                <TextInput
                  label="Language"
                  required
                  w={110}
                  value={w.language}
                  onChange={(e) => setRow('wording', n, { language: e.currentTarget.value })}
                  error={err(`wording.${n}.language`)}
                />
                <TextInput
                  label="Singular"
                  required
                  maxLength={200}
                  value={w.one}
                  onChange={(e) => setRow('wording', n, { one: e.currentTarget.value })}
                  error={err(`wording.${n}.one`) ?? serverIssues[`wording.${w.language}.one`]}
                />
                <TextInput
                  label="Plural"
                  required
                  maxLength={200}
                  value={w.other}
                  onChange={(e) => setRow('wording', n, { other: e.currentTarget.value })}
                  error={err(`wording.${n}.other`) ?? serverIssues[`wording.${w.language}.other`] ?? serverIssues[`wording.${w.language}`]}
                />
                {form.wording.length > 1 && (
                  <ActionIcon mt={28} variant="subtle" color="red" aria-label={`Remove wording ${n + 1}`} onClick={() => removeRow('wording', n)}>
                    ×
                  </ActionIcon>
                )}
              </Group>
            ))}
            <Button variant="light" w="fit-content" onClick={() => set('wording', [...form.wording, { language: '', one: '', other: '' }])}>
              Add a language
            </Button>
          </Stack>
        </Fieldset>

        <Fieldset legend="Value in money">
          <Stack gap="xs">
            <Group align="start">
              <NumberInput
                label="Number of points"
                required
                min={1}
                allowDecimal={false}
                thousandSeparator=","
                value={form.worthPoints}
                onChange={(v) => set('worthPoints', v)}
                error={err('valueDenominator')}
              />
              <TextInput
                label={`Are worth (${money})`}
                required
                inputMode="decimal"
                placeholder="1.00"
                value={form.worthAmount}
                onChange={(e) => set('worthAmount', e.currentTarget.value)}
                error={err('valueNumerator')}
              />
            </Group>
            <Checkbox label="Points expire" checked={form.expires} onChange={(e) => set('expires', e.currentTarget.checked)} />
            {form.expires && (
              <NumberInput
                label="Days before earned points expire"
                required
                min={1}
                max={3650}
                allowDecimal={false}
                maw={260}
                value={form.validityDays}
                onChange={(v) => set('validityDays', v)}
                error={err('pointsValidityDays')}
              />
            )}
          </Stack>
        </Fieldset>

        <Fieldset legend="Earning">
          <Stack gap="sm">
            <Checkbox
              label="Only season-ticket holders earn"
              checked={form.seasonTicketHoldersOnly}
              onChange={(e) => set('seasonTicketHoldersOnly', e.currentTarget.checked)}
            />
            {form.earnRules.length === 0 && <Text size="sm">No earn rule: purchases earn nothing.</Text>}
            {form.earnRules.map((r, n) => (
              <Fieldset key={n} legend={`Earn rule ${n + 1}`} variant="filled" miw={0}>
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <Select
                    label="Earns"
                    required
                    allowDeselect={false}
                    data={earnRuleKinds.map((k) => ({ value: k, label: earnKindLabels[k] }))}
                    value={r.kind}
                    onChange={(v) => setRow('earnRules', n, { kind: (v as EarnRuleKind | null) ?? 'per-amount' })}
                  />
                  <NumberInput label="Points" required min={0} allowDecimal={false} value={r.points} onChange={(v) => setRow('earnRules', n, { points: v })} error={err(`earnRules.${n}.points`)} />
                  {r.kind === 'per-amount' && (
                    <TextInput
                      label={`For every (${money})`}
                      required
                      inputMode="decimal"
                      value={r.perAmount}
                      onChange={(e) => setRow('earnRules', n, { perAmount: e.currentTarget.value })}
                      error={err(`earnRules.${n}.perAmountMinor`)}
                    />
                  )}
                  {r.kind === 'per-product' && (
                    <TextInput label="Product" required value={r.productId} onChange={(e) => setRow('earnRules', n, { productId: e.currentTarget.value })} error={err(`earnRules.${n}.productId`)} />
                  )}
                  {r.kind === 'per-section' && (
                    <TextInput label="Section" required value={r.sectionId} onChange={(e) => setRow('earnRules', n, { sectionId: e.currentTarget.value })} error={err(`earnRules.${n}.sectionId`)} />
                  )}
                </SimpleGrid>
                <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
                  <TextInput
                    label="Only for products"
                    description="Product ids, separated by commas; empty for every product"
                    value={r.productIds}
                    onChange={(e) => setRow('earnRules', n, { productIds: e.currentTarget.value })}
                  />
                  <MultiSelect
                    label="Only for product families"
                    description="Empty for every family"
                    data={productFamilies.map((p) => ({ value: p, label: familyLabels[p] }))}
                    value={r.families}
                    onChange={(v) => setRow('earnRules', n, { families: v })}
                  />
                  <TextInput
                    label="Only on sales channels"
                    description="Like webshop, box-office; empty for every channel"
                    value={r.channels}
                    onChange={(e) => setRow('earnRules', n, { channels: e.currentTarget.value })}
                  />
                  <TextInput
                    label="Only at points of sale"
                    description="Separated by commas; empty for every point of sale"
                    value={r.pointsOfSale}
                    onChange={(e) => setRow('earnRules', n, { pointsOfSale: e.currentTarget.value })}
                  />
                </SimpleGrid>
                <Button mt="xs" size="compact-sm" variant="subtle" color="red" onClick={() => removeRow('earnRules', n)}>
                  Remove earn rule {n + 1}
                </Button>
              </Fieldset>
            ))}
            <Button variant="light" w="fit-content" onClick={() => set('earnRules', [...form.earnRules, emptyRule])}>
              Add an earn rule
            </Button>
          </Stack>
        </Fieldset>

        <Fieldset legend="Tiers">
          <Stack gap="sm">
            {form.tiers.length === 0 && <Text size="sm">No tier.</Text>}
            {form.tiers.map((t, n) => (
              <Group key={n} align="start" role="group" aria-label={`Tier ${n + 1}`}>
                <TextInput label="Tier name" required value={t.name} onChange={(e) => setRow('tiers', n, { name: e.currentTarget.value })} error={err(`tiers.${n}.name`)} />
                <Select
                  label="Reached by"
                  required
                  allowDeselect={false}
                  data={criteria.map((c) => ({ value: c, label: criterionLabels[c] }))}
                  value={t.criterion}
                  onChange={(v) => setRow('tiers', n, { criterion: (v as Criterion | null) ?? 'total-spending' })}
                />
                <TextInput
                  label={t.criterion === 'total-spending' ? `From (${money})` : 'From (a count)'}
                  required
                  inputMode={t.criterion === 'total-spending' ? 'decimal' : 'numeric'}
                  value={t.threshold}
                  onChange={(e) => setRow('tiers', n, { threshold: e.currentTarget.value })}
                  error={err(`tiers.${n}.threshold`)}
                />
                <ActionIcon mt={28} variant="subtle" color="red" aria-label={`Remove tier ${n + 1}`} onClick={() => removeRow('tiers', n)}>
                  ×
                </ActionIcon>
              </Group>
            ))}
            <Button variant="light" w="fit-content" onClick={() => set('tiers', [...form.tiers, emptyTier])}>
              Add a tier
            </Button>
          </Stack>
        </Fieldset>

        <Fieldset legend="Products priced in points">
          <Stack gap="sm">
            {form.productPrices.length === 0 && <Text size="sm">No product can be bought with points alone.</Text>}
            {form.productPrices.map((x, n) => (
              <Group key={n} align="start" role="group" aria-label={`Product price ${n + 1}`}>
                <TextInput label="Product" required value={x.productId} onChange={(e) => setRow('productPrices', n, { productId: e.currentTarget.value })} error={err(`productPrices.${n}.productId`)} />
                <NumberInput
                  label="Price in points"
                  required
                  min={1}
                  allowDecimal={false}
                  thousandSeparator=","
                  value={x.points}
                  onChange={(v) => setRow('productPrices', n, { points: v })}
                  error={err(`productPrices.${n}.points`)}
                />
                <ActionIcon mt={28} variant="subtle" color="red" aria-label={`Remove product price ${n + 1}`} onClick={() => removeRow('productPrices', n)}>
                  ×
                </ActionIcon>
              </Group>
            ))}
            <Button variant="light" w="fit-content" onClick={() => set('productPrices', [...form.productPrices, emptyPrice])}>
              Add a product priced in points
            </Button>
          </Stack>
        </Fieldset>

        {Object.keys(errors).length > 0 && (
          <Text c="red.8" role="alert">
            Some fields need a correction: they are marked above.
          </Text>
        )}
        {saving.error !== undefined && <ProblemAlert error={saving.error} title={program ? 'The changes were not saved' : 'The program was not created'} />}
        <Group justify="space-between">
          <Button variant="subtle" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={saving.pending}>
            {program ? 'Save changes' : 'Create the program'}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
