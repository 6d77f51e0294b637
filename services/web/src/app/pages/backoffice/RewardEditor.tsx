import { ActionIcon, Button, Group, NumberInput, Paper, Radio, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { ApiProblem, fieldIssues } from '../../api/problem';
import {
  fill,
  funders,
  rewardCriteria,
  rewardOperators,
  routes,
  rewardTypes,
  type Funder,
  type RewardBenefit,
  type RewardCriterion,
  type RewardInput,
  type RewardOperator,
  type RewardProgramView,
} from '../../api/routes';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { decimalString, formatMoney, parseMinor } from '../../money';

export const rewardTypeLabels: Record<RewardBenefit['type'], string> = { percentage: 'Percentage off', fixed: 'Fixed amount off', 'free-ticket': 'Free ticket' };

export const criterionLabels: Record<RewardCriterion, string> = {
  'total-spending': 'Total spending',
  'tickets-purchased': 'Tickets purchased',
  'events-attended': 'Events attended',
  'membership-days': 'Days as a member',
};

const operatorLabels: Record<RewardOperator, string> = { '>=': 'at least', '>': 'more than', '=': 'exactly', '<=': 'at most', '<': 'less than' };

export const funderLabels: Record<Funder, string> = { organizer: 'The organizer', promoter: 'The promoter', partner: 'A partner' };

const appliesToLabels: Record<RewardInput['appliesTo'], string> = { tickets: 'Tickets', products: 'Other products', both: 'Tickets and other products' };

const validityLabels: Record<RewardInput['validity']['kind'], string> = {
  'one-time': 'Once: used on one order',
  continuous: 'Continuously, while the conditions hold',
  until: 'Until a date',
};

/** "10 % off", "€5.00 off", "A free ticket". */
export function describeBenefit(b: RewardBenefit): string {
  if (b.type === 'percentage') return `${b.basisPoints / 100} % off`;
  if (b.type === 'fixed') return `${formatMoney({ amountMinor: b.amountMinor, currency: b.currency })} off`;
  return 'A free ticket';
}

/** "Total spending at least €500.00", amounts in the loyalty program's currency. */
export function describeCondition(c: RewardInput['conditions'][number], currency: string): string {
  const value = c.criterion === 'total-spending' ? formatMoney({ amountMinor: c.value, currency }) : c.value.toLocaleString();
  return `${criterionLabels[c.criterion]} ${operatorLabels[c.operator]} ${value}`;
}

interface ConditionRow {
  criterion: RewardCriterion;
  operator: RewardOperator;
  /** An amount for total spending, a whole number otherwise. */
  value: string;
}

interface Form {
  name: string;
  campaign: string;
  type: RewardBenefit['type'];
  percent: number | string;
  amount: string;
  currency: string;
  appliesTo: RewardInput['appliesTo'];
  conditions: ConditionRow[];
  validity: RewardInput['validity']['kind'];
  until: string;
  fundedBy: Funder;
}

const newCondition: ConditionRow = { criterion: 'total-spending', operator: '>=', value: '' };

/** A date-time field's local value for an ISO instant, and back. */
export const isoToLocal = (iso: string) => {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
export const localToIso = (local: string) => (local ? new Date(local).toISOString() : null);

function formOf(r: RewardProgramView | undefined, currency: string): Form {
  const b = r?.reward;
  return {
    name: r?.name ?? '',
    campaign: r?.campaign ?? '',
    type: b?.type ?? 'percentage',
    percent: b?.type === 'percentage' ? b.basisPoints / 100 : '',
    amount: b?.type === 'fixed' ? decimalString(b.amountMinor, b.currency) : '',
    currency: b?.type === 'fixed' ? b.currency : currency,
    appliesTo: r?.appliesTo ?? 'both',
    conditions: r?.conditions.map((c) => ({ ...c, value: c.criterion === 'total-spending' ? decimalString(c.value, currency) : String(c.value) })) ?? [newCondition],
    validity: r?.validity.kind ?? 'continuous',
    until: r?.validity.kind === 'until' ? isoToLocal(r.validity.until) : '',
    fundedBy: r?.fundedBy ?? 'organizer',
  };
}

/** Percentages are stored in basis points: 12.5 % is 1250, so at most two decimals. */
export function percentIssue(percent: number | string): string | undefined {
  const basisPoints = Number(percent) * 100;
  const ok = percent !== '' && basisPoints >= 1 && basisPoints <= 10_000 && Math.abs(basisPoints - Math.round(basisPoints)) < 1e-6;
  return ok ? undefined : 'A percentage above 0 and up to 100, at most two decimals.';
}

type Errors = Partial<Record<'name' | 'percent' | 'amount' | 'until' | `condition-${number}`, string>>;

function check(f: Form, currency: string): Errors {
  const e: Errors = {};
  if (!f.name.trim()) e.name = 'Give the reward a name.';
  if (f.type === 'percentage') e.percent = percentIssue(f.percent);
  if (f.type === 'fixed' && !parseMinor(f.amount, f.currency)) e.amount = `An amount in ${f.currency}, like 5.00.`;
  f.conditions.forEach((c, n) => {
    const ok = c.criterion === 'total-spending' ? parseMinor(c.value, currency) !== undefined : /^\d+$/.test(c.value.trim());
    if (!ok) e[`condition-${n}`] = c.criterion === 'total-spending' ? `An amount in ${currency}, like 500.00.` : 'A whole number.';
  });
  if (f.validity === 'until' && !f.until) e.until = 'The last day it can be used.';
  return e;
}

function toInput(f: Form, currency: string): RewardInput {
  const reward: RewardBenefit =
    f.type === 'percentage'
      ? { type: 'percentage', basisPoints: Math.round(Number(f.percent) * 100) }
      : f.type === 'fixed'
        ? { type: 'fixed', amountMinor: parseMinor(f.amount, f.currency) ?? 0, currency: f.currency }
        : { type: 'free-ticket' };
  return {
    name: f.name.trim(),
    ...(f.campaign.trim() ? { campaign: f.campaign.trim() } : {}),
    conditions: f.conditions.map((c) => ({
      criterion: c.criterion,
      operator: c.operator,
      value: c.criterion === 'total-spending' ? (parseMinor(c.value, currency) ?? 0) : Number(c.value),
    })),
    reward,
    appliesTo: f.appliesTo,
    validity: f.validity === 'until' ? { kind: 'until', until: localToIso(f.until) ?? '' } : { kind: f.validity },
    fundedBy: f.fundedBy,
  };
}

/** The loyalty program's currency (spending thresholds are in it); undefined until known, EUR without a program. */
export function useProgramCurrency(): string | undefined {
  const loyalty = useQuery<{ programs: { currency: string }[] }>(routes.loyaltyPrograms);
  if (loyalty.loading) return undefined;
  return loyalty.data?.programs[0]?.currency ?? 'EUR';
}

/** A new reward program (`/back-office/reward-programs/new`) or an existing one's settings (`…/:rewardId`). */
export function RewardEditorPage() {
  const { rewardId } = useParams();
  const currency = useProgramCurrency();
  const list = useQuery<{ rewards: RewardProgramView[] }>(rewardId ? routes.rewardPrograms : undefined);
  return (
    <Stack>
      <Title order={2}>{rewardId ? 'Edit the reward program' : 'New reward program'}</Title>
      <RequiresRoutes routes={[rewardId ? `PATCH ${routes.rewardProgram}` : `POST ${routes.rewardPrograms}`]} />
      {currency === undefined ? null : rewardId ? (
        <QueryView query={list} label="the reward program">
          {({ rewards }) => {
            const reward = rewards.find((r) => r.rewardId === rewardId);
            return reward ? <RewardForm key={reward.rewardId} reward={reward} currency={currency} /> : <Text role="alert">This reward program does not exist.</Text>;
          }}
        </QueryView>
      ) : (
        <RewardForm currency={currency} />
      )}
    </Stack>
  );
}

function RewardForm({ reward, currency }: { reward?: RewardProgramView; currency: string }) {
  const [form, setForm] = useState<Form>(() => formOf(reward, currency));
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation<RewardInput, RewardProgramView>('POST', routes.rewardPrograms);
  const update = useMutation<Partial<RewardInput>, RewardProgramView>('PATCH', routes.rewardProgram);
  const save = reward ? update : create;
  const navigate = useNavigate();
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setCondition = (n: number, change: Partial<ConditionRow>) => set('conditions', form.conditions.map((c, k) => (k === n ? { ...c, ...change } : c)));
  const serverIssues: Record<string, string | undefined> = save.error instanceof ApiProblem ? fieldIssues(save.error.problem) : {};
  const err = (k: keyof Errors, path: string = k) => errors[k] ?? serverIssues[path];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = check(form, currency);
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    const input = toInput(form, currency);
    // An update leaves out what is not sent: a campaign emptied in the form is removed with null.
    const saved = reward
      ? await update.run({ ...input, ...(reward.campaign && !input.campaign ? { campaign: null } : {}) }, fill(routes.rewardProgram, { rewardId: reward.rewardId }))
      : await create.run(input);
    if (saved) navigate(`/back-office/reward-programs?reward=${saved.rewardId}`);
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Reward program">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Name" required value={form.name} onChange={(e) => set('name', e.currentTarget.value)} error={err('name')} />
          <TextInput
            label="Campaign"
            description={reward?.campaign ? 'Rename it, or empty it to remove it.' : 'Optional: groups rewards in searches.'}
            value={form.campaign}
            onChange={(e) => set('campaign', e.currentTarget.value)}
          />
        </SimpleGrid>
        <Radio.Group label="Reward" required value={form.type} onChange={(v) => set('type', v as RewardBenefit['type'])}>
          <Group gap="lg" mt={4}>
            {rewardTypes.map((t) => (
              <Radio key={t} value={t} label={rewardTypeLabels[t]} />
            ))}
          </Group>
        </Radio.Group>
        {form.type === 'percentage' && (
          <NumberInput label="Percentage off" required min={0.01} max={100} decimalScale={2} suffix=" %" value={form.percent} onChange={(v) => set('percent', v)} error={err('percent')} maw={220} />
        )}
        {form.type === 'fixed' && (
          <Group align="start">
            <TextInput label="Amount off" required inputMode="decimal" placeholder="5.00" value={form.amount} onChange={(e) => set('amount', e.currentTarget.value)} error={err('amount')} />
            <Select label="Currency" required data={['EUR', 'GBP', 'CHF', 'USD']} value={form.currency} onChange={(v) => set('currency', v ?? currency)} allowDeselect={false} w={110} />
          </Group>
        )}
        <Radio.Group label="Applies to" required value={form.appliesTo} onChange={(v) => set('appliesTo', v as RewardInput['appliesTo'])}>
          <Group gap="lg" mt={4}>
            {(Object.keys(appliesToLabels) as RewardInput['appliesTo'][]).map((a) => (
              <Radio key={a} value={a} label={appliesToLabels[a]} />
            ))}
          </Group>
        </Radio.Group>
        <Stack gap="xs">
          <Text fw={500} size="sm">
            Conditions (all must hold)
          </Text>
          {form.conditions.map((c, n) => (
            <Group key={n} align="start" wrap="wrap">
              <Select
                label={`Condition ${n + 1}: criterion`}
                data={rewardCriteria.map((v) => ({ value: v, label: criterionLabels[v] }))}
                value={c.criterion}
                onChange={(v) => setCondition(n, { criterion: (v as RewardCriterion | null) ?? c.criterion })}
                allowDeselect={false}
              />
              <Select
                label={`Condition ${n + 1}: comparison`}
                data={rewardOperators.map((v) => ({ value: v, label: operatorLabels[v] }))}
                value={c.operator}
                onChange={(v) => setCondition(n, { operator: (v as RewardOperator | null) ?? c.operator })}
                allowDeselect={false}
                w={150}
              />
              <TextInput
                label={`Condition ${n + 1}: value${c.criterion === 'total-spending' ? ` in ${currency}` : ''}`}
                required
                inputMode={c.criterion === 'total-spending' ? 'decimal' : 'numeric'}
                value={c.value}
                onChange={(e) => setCondition(n, { value: e.currentTarget.value })}
                error={err(`condition-${n}`, `conditions.${n}.value`)}
              />
              {form.conditions.length > 1 && (
                <ActionIcon mt={26} variant="subtle" color="red" aria-label={`Remove condition ${n + 1}`} onClick={() => set('conditions', form.conditions.filter((_, k) => k !== n))}>
                  ×
                </ActionIcon>
              )}
            </Group>
          ))}
          {form.conditions.length < 10 && (
            <Button variant="light" w="fit-content" onClick={() => set('conditions', [...form.conditions, newCondition])}>
              Add a condition
            </Button>
          )}
        </Stack>
        <Radio.Group label="Validity" required value={form.validity} onChange={(v) => set('validity', v as Form['validity'])}>
          <Stack gap={6} mt={4}>
            {(Object.keys(validityLabels) as Form['validity'][]).map((k) => (
              <Radio key={k} value={k} label={validityLabels[k]} />
            ))}
          </Stack>
        </Radio.Group>
        {form.validity === 'until' && (
          <TextInput type="datetime-local" label="Valid until" required value={form.until} onChange={(e) => set('until', e.currentTarget.value)} error={err('until', 'validity.until')} maw={260} />
        )}
        <Select
          label="Funded by"
          data={funders.map((f) => ({ value: f, label: funderLabels[f] }))}
          value={form.fundedBy}
          onChange={(v) => set('fundedBy', (v as Funder | null) ?? 'organizer')}
          allowDeselect={false}
          maw={260}
        />
        {save.error !== undefined && <ProblemAlert error={save.error} title={reward ? 'The reward program was not saved' : 'The reward program was not created'} />}
        <Group justify="space-between">
          <Button component={Link} to="/back-office/reward-programs" variant="subtle">
            Cancel
          </Button>
          <Button type="submit" loading={save.pending}>
            {reward ? 'Save the reward program' : 'Create the reward program'}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
