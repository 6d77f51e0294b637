import { Badge, Button, Card, Code, Group, Loader, NumberInput, Pagination, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { ApiProblem } from '../../api/problem';
import {
  fill,
  renewStrategies,
  reservationModes,
  routes,
  type NotRenewedReason,
  type RenewalDecisionView,
  type RenewalRunInput,
  type RenewalRunReport,
  type RenewalRunSummary,
  type RenewStrategy,
  type ReservationMode,
} from '../../api/routes';
import { DataTable } from '../../components/DataTable';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';

const strategyLabels: Record<RenewStrategy, string> = {
  TWO_STEPS: 'Two steps: same seats first, then other seats',
  SAME_SEAT_ONLY: 'Same seats only (step 1)',
  OTHER_SEATS_ONLY: 'Other seats only (step 2)',
};

const reservationLabels: Record<ReservationMode, string> = {
  NO: 'No: renewals are sold',
  YES: 'Yes: every renewal is a reservation to pay',
  SEAT_CHANGED_ONLY: 'Only for holders whose seat changed',
};

const reasonLabels: Record<NotRenewedReason, string> = {
  SEAT_NOT_KEPT: 'Seat not kept: the venue must contact the holder',
  NO_SEAT_FOUND: 'No seat found',
  QUOTA_EXHAUSTED: 'Season ticket quota used up',
  ALREADY_HOLDER: 'Already holds the new season ticket',
  LEFT_FOR_OTHER_SEATS_STEP: 'Left for the other-seats step',
  LEFT_FOR_SAME_SEAT_STEP: 'Left for the same-seat step',
};

const sourceLabels: Record<RenewalDecisionView['groups'][number]['source'], string> = {
  'origin-seat': 'same seat',
  'preferred-seat': 'preferred seat',
  'best-seat': 'best free seat',
  none: 'no seat',
};

const statusLabels: Record<RenewalRunSummary['status'], { label: string; color: string }> = {
  pending: { label: 'Queued', color: 'gray.8' },
  running: { label: 'Running', color: 'blue.9' },
  completed: { label: 'Completed', color: 'teal.9' },
};

const when = (iso: string) => new Date(iso).toLocaleString();

/** Season-ticket renewal (seed 004): start a run, follow it, and read its report holder by holder. */
export function RenewalRunsPage() {
  return (
    <Stack>
      <Title order={2}>Renewal runs</Title>
      <RequiresRoutes routes={[`GET ${routes.renewalRuns}`, `POST ${routes.renewalRuns}`, `GET ${routes.renewalRun}`]}>
        <Runs />
      </RequiresRoutes>
    </Stack>
  );
}

function Runs() {
  const list = useQuery<{ runs: RenewalRunSummary[] }>(routes.renewalRuns);
  const [runId, setRunId] = useState<string>();
  return (
    <Stack>
      <StartRun
        onStarted={(id) => {
          setRunId(id);
          list.reload();
        }}
      />
      <Title order={3}>Recent runs</Title>
      <QueryView query={list} label="the renewal runs">
        {({ runs }) => (
          <DataTable
            caption="The most recent runs, newest first"
            region="Recent runs table"
            minWidth={860}
            testId="renewal-runs"
            empty="No renewal run yet."
            columns={['Started', 'Run', 'Strategy', 'Reservations', 'Status', 'Report']}
            rows={runs}
            rowKey={(r) => r.runId}
            cells={(r) => (
              <>
                <Table.Td>{when(r.createdAt)}</Table.Td>
                <Table.Td>{r.runKey}</Table.Td>
                <Table.Td>{strategyLabels[r.renewStrategy]}</Table.Td>
                <Table.Td>{reservationLabels[r.createReservation]}</Table.Td>
                <Table.Td>
                  <Badge color={statusLabels[r.status].color} variant="filled" miw="max-content">
                    {statusLabels[r.status].label}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-sm"
                    variant={r.runId === runId ? 'filled' : 'light'}
                    aria-pressed={r.runId === runId}
                    aria-label={`Report of ${r.runKey}`}
                    onClick={() => setRunId(r.runId)}
                  >
                    Report
                  </Button>
                </Table.Td>
              </>
            )}
          />
        )}
      </QueryView>
      {runId && <Report key={runId} runId={runId} onCompleted={list.reload} />}
    </Stack>
  );
}

interface StartForm {
  runKey: string;
  originSeasonTicketId: string;
  targetSeasonTicketId: string;
  renewStrategy: RenewStrategy;
  createReservation: ReservationMode;
  reservationDays: number | string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function check(f: StartForm): Partial<Record<keyof StartForm, string>> {
  const e: Partial<Record<keyof StartForm, string>> = {};
  if (!f.runKey.trim()) e.runKey = 'Name the run, like Renewal 2026-2027.';
  if (!uuid.test(f.originSeasonTicketId.trim())) e.originSeasonTicketId = 'The id of a season ticket, like 0b9f…-…';
  if (!uuid.test(f.targetSeasonTicketId.trim())) e.targetSeasonTicketId = 'The id of a season ticket, like 0b9f…-…';
  else if (f.targetSeasonTicketId.trim() === f.originSeasonTicketId.trim()) e.targetSeasonTicketId = 'Another season ticket than the one renewed.';
  const days = Number(f.reservationDays);
  if (f.createReservation !== 'NO' && !(Number.isInteger(days) && days >= 1 && days <= 90)) e.reservationDays = 'Between 1 and 90 days.';
  return e;
}

function StartRun({ onStarted }: { onStarted(runId: string): void }) {
  const [form, setForm] = useState<StartForm>({ runKey: '', originSeasonTicketId: '', targetSeasonTicketId: '', renewStrategy: 'TWO_STEPS', createReservation: 'NO', reservationDays: 14 });
  const [errors, setErrors] = useState<ReturnType<typeof check>>({});
  const start = useMutation<RenewalRunInput, { runId: string }>('POST', routes.renewalRuns);
  const set = <K extends keyof StartForm>(k: K, v: StartForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = check(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const started = await start.run({
      runKey: form.runKey.trim(),
      originSeasonTicketId: form.originSeasonTicketId.trim(),
      targetSeasonTicketId: form.targetSeasonTicketId.trim(),
      renewStrategy: form.renewStrategy,
      createReservation: form.createReservation,
      reservationDays: Number(form.reservationDays),
    });
    if (started) onStarted(started.runId);
  };
  // The run name is the run's idempotency key: reused with other settings, the service refuses it.
  const reused = start.error instanceof ApiProblem && start.error.problem.code === 'IDEMPOTENCY_KEY_REUSED';

  return (
    <Paper withBorder p="md" component="form" aria-label="Start a renewal run" noValidate onSubmit={(e: FormEvent) => void submit(e)}>
      <Stack>
        <Title order={3}>Start a renewal run</Title>
        <Text size="sm">Every holder of the season ticket renewed is offered a seat in the new one, by the venue's decision table. The run works in the background; its report fills in as it goes.</Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Run name"
            description="Starting again with the same name and settings shows the same run"
            required
            maxLength={200}
            value={form.runKey}
            onChange={(e) => set('runKey', e.currentTarget.value)}
            error={errors.runKey}
          />
          <TextInput
            label="Season ticket renewed"
            description="The id of the season ticket its holders hold now"
            required
            spellCheck={false}
            value={form.originSeasonTicketId}
            onChange={(e) => set('originSeasonTicketId', e.currentTarget.value)}
            error={errors.originSeasonTicketId}
          />
          <TextInput
            label="New season ticket"
            description="The id of the fixed-seat season ticket they renew into"
            required
            spellCheck={false}
            value={form.targetSeasonTicketId}
            onChange={(e) => set('targetSeasonTicketId', e.currentTarget.value)}
            error={errors.targetSeasonTicketId}
          />
          <Select
            label="Strategy"
            required
            allowDeselect={false}
            data={renewStrategies.map((s) => ({ value: s, label: strategyLabels[s] }))}
            value={form.renewStrategy}
            onChange={(v) => set('renewStrategy', (v as RenewStrategy | null) ?? 'TWO_STEPS')}
          />
          <Select
            label="Reservations"
            description="A reservation holds the seats until the holder pays"
            required
            allowDeselect={false}
            data={reservationModes.map((m) => ({ value: m, label: reservationLabels[m] }))}
            value={form.createReservation}
            onChange={(v) => set('createReservation', (v as ReservationMode | null) ?? 'NO')}
          />
          {form.createReservation !== 'NO' && (
            <NumberInput
              label="Days to pay a reservation"
              required
              min={1}
              max={90}
              allowDecimal={false}
              value={form.reservationDays}
              onChange={(v) => set('reservationDays', v)}
              error={errors.reservationDays}
            />
          )}
        </SimpleGrid>
        {start.error !== undefined && <ProblemAlert error={start.error} title={reused ? 'This run name was already used with other settings: choose another name' : 'The run was not started'} />}
        <Button type="submit" w="fit-content" loading={start.pending}>
          Start the run
        </Button>
      </Stack>
    </Paper>
  );
}

const pageSize = 50;

function Report({ runId, onCompleted }: { runId: string; onCompleted(): void }) {
  const [page, setPage] = useState(1);
  const report = useQuery<RenewalRunReport>(fill(routes.renewalRun, { runId }), { limit: pageSize, offset: (page - 1) * pageSize });
  const status = report.data?.status;
  const { reload, data } = report;
  const toldCompleted = useRef(false);
  // A run works in the background: its report is read again until it is complete, then the list is told once.
  useEffect(() => {
    if (status === undefined) return;
    if (status === 'completed') {
      if (!toldCompleted.current) onCompleted();
      toldCompleted.current = true;
      return;
    }
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [status, reload, onCompleted, data]);

  return (
    <Paper withBorder p="md" component="section" aria-label="Run report" data-testid="run-report">
      <QueryView query={report} label="the run's report">
        {(r) => {
          const decided = r.renewed + r.notRenewed;
          const pages = Math.ceil(decided / pageSize);
          const reasons = Object.entries(r.notRenewedByReason) as [NotRenewedReason, number][];
          return (
            <Stack>
              <Group justify="space-between">
                <Title order={3}>Report of {r.runKey}</Title>
                <Badge color={statusLabels[r.status].color} variant="filled" size="lg">
                  {statusLabels[r.status].label}
                </Badge>
              </Group>
              <Text size="sm">
                Renewing <Code>{r.originSeasonTicketId}</Code> into <Code>{r.targetSeasonTicketId}</Code> · {strategyLabels[r.renewStrategy]} · reservations:{' '}
                {reservationLabels[r.createReservation].toLowerCase()}
                {r.createReservation !== 'NO' && `, ${r.reservationDays} days to pay`} · started {when(r.createdAt)}
                {r.completedAt && `, completed ${when(r.completedAt)}`}
              </Text>
              {r.status !== 'completed' && (
                <Group gap="xs" role="status">
                  <Loader size="xs" aria-hidden />
                  <Text size="sm">The run is working: {decided.toLocaleString()} holders decided so far.</Text>
                </Group>
              )}
              <SimpleGrid cols={{ base: 2, sm: 5 }}>
                <Total label="Holders decided" value={decided} id="decided" />
                <Total label="Renewed" value={r.renewed} id="renewed" />
                <Total label="Same seat" value={r.renewed - r.seatChanges} id="same-seat" />
                <Total label="Seat changed" value={r.seatChanges} id="seat-changed" />
                <Total label="Not renewed" value={r.notRenewed} id="not-renewed" />
              </SimpleGrid>
              {reasons.length > 0 && (
                <Table maw={560} data-testid="not-renewed-reasons">
                  <Table.Caption>Not renewed, by reason</Table.Caption>
                  <Table.Tbody>
                    {reasons.map(([reason, n]) => (
                      <Table.Tr key={reason}>
                        <Table.Th scope="row">{reasonLabels[reason] ?? reason}</Table.Th>
                        <Table.Td>{n.toLocaleString()}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              {decided === 0 ? (
                <Text>{r.status === 'completed' ? 'The season ticket renewed had no holder to decide.' : 'No holder decided yet.'}</Text>
              ) : (
                <Decisions decisions={r.decisions} />
              )}
              {pages > 1 && (
                <Pagination
                  total={pages}
                  value={page}
                  onChange={setPage}
                  aria-label="Pages of decisions"
                  getItemProps={(n) => ({ 'aria-label': `Decisions page ${n}` })}
                  getControlProps={(control) => ({ 'aria-label': `${control} page of decisions` })}
                />
              )}
            </Stack>
          );
        }}
      </QueryView>
    </Paper>
  );
}

function Total({ label, value, id }: { label: string; value: number; id: string }) {
  return (
    <Card withBorder data-testid={`total-${id}`}>
      <Text size="sm">{label}</Text>
      <Text size="xl" fw={700}>
        {value.toLocaleString()}
      </Text>
    </Card>
  );
}

function Decisions({ decisions }: { decisions: RenewalDecisionView[] }) {
  return (
    <DataTable
      caption="Decision per holder, in purchase order"
      region="Decisions table"
      minWidth={900}
      testId="renewal-decisions"
      columns={['Holder', 'Step', 'Decision', 'New seat', 'Why']}
      rows={decisions}
      rowKey={(d) => d.originHoldingId}
      cells={(d) => (
        <>
          <Table.Td>{d.contactId}</Table.Td>
          <Table.Td>{d.step}</Table.Td>
          <Table.Td>
            <Stack gap={4} align="start">
              {d.outcome === 'renewed' ? (
                <Badge color={d.seatChanged ? 'indigo.9' : 'teal.9'} variant="filled" miw="max-content">
                  {d.seatChanged ? 'Renewed, seat changed' : 'Renewed, same seat'}
                </Badge>
              ) : (
                <Badge color="red.9" variant="filled" miw="max-content">
                  Not renewed
                </Badge>
              )}
              {d.reason && <Text size="sm">{reasonLabels[d.reason] ?? d.reason}</Text>}
              {d.reserved && <Text size="sm">Reserved: to be paid</Text>}
            </Stack>
          </Table.Td>
          <Table.Td>
            {d.groups.length === 0
              ? '—'
              : d.groups.map((g) => (
                  <Text key={g.physicalConfigurationId} size="sm">
                    {g.seat ? `${g.seat.area}, row ${g.seat.row}, seat ${g.seat.number} (${g.seat.category}), ${sourceLabels[g.source]}` : 'No seat'}
                  </Text>
                ))}
          </Table.Td>
          <Table.Td>
            {d.groups.map((g) => (
              <Text key={g.physicalConfigurationId} size="sm">
                Table row {g.row}: {g.rationale}
              </Text>
            ))}
          </Table.Td>
        </>
      )}
    />
  );
}
