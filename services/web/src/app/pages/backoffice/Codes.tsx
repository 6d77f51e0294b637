import { Badge, Button, Checkbox, Group, NumberInput, Paper, Progress, Select, SimpleGrid, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, textIn, type AdvantageView, type CodeBatchView, type CodeDashboardRow, type CodeView, type DashboardCounts } from '../../api/routes';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { DataTable } from '../../components/DataTable';
import { useSession } from '../../session';

/** Seed 002's three screens for single-use codes: generate and send, the dashboard, tracking. */
export function CodesPage() {
  return (
    <Stack>
      <Title order={2}>Single-use codes</Title>
      <Tabs defaultValue="generate" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="generate">Generate</Tabs.Tab>
          <Tabs.Tab value="dashboard">Dashboard</Tabs.Tab>
          <Tabs.Tab value="tracking">Code tracking</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="generate" pt="md">
          <RequiresRoutes routes={[`GET ${routes.advantages}`, `POST ${routes.codeBatches}`, `GET ${routes.codeBatch}`]}>
            <Generate />
          </RequiresRoutes>
        </Tabs.Panel>
        <Tabs.Panel value="dashboard" pt="md">
          <RequiresRoutes routes={[`GET ${routes.codeDashboard}`]}>
            <Dashboard />
          </RequiresRoutes>
        </Tabs.Panel>
        <Tabs.Panel value="tracking" pt="md">
          <RequiresRoutes routes={[`GET ${routes.codes}/{code}`, `POST ${routes.codeInvalidations}`]}>
            <Tracking />
          </RequiresRoutes>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Generate() {
  const [params] = useSearchParams();
  const advantages = useQuery<{ advantages: AdvantageView[] }>(routes.advantages);
  const [advantageId, setAdvantageId] = useState<string | null>(params.get('advantage'));
  const [count, setCount] = useState<number | string>(100);
  const [contactId, setContactId] = useState('');
  const generate = useMutation<{ advantageId: string; count: number; contactId: string; destination: 'download' }, CodeBatchView>('POST', routes.codeBatches);
  const [batch, setBatch] = useState<CodeBatchView>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!advantageId) return;
    const started = await generate.run({ advantageId, count: Number(count), contactId: contactId.trim(), destination: 'download' });
    if (started) setBatch(started);
  };

  return (
    <QueryView query={advantages} label="the advantages">
      {({ advantages: all }) => {
        const singleUse = all.filter((a) => a.target.type === 'single-use-codes');
        return (
          <Stack>
            <Paper withBorder p="md" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Generate codes">
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <Select
                  label="Advantage"
                  required
                  data={singleUse.map((a) => ({ value: a.advantageId, label: `${textIn(a.names.internal)} (${a.season})` }))}
                  value={advantageId}
                  onChange={setAdvantageId}
                  nothingFoundMessage="No single-use advantage"
                />
                <NumberInput label="Number of codes" required min={1} max={1_000_000} allowDecimal={false} thousandSeparator="," value={count} onChange={setCount} />
                <TextInput label="For contact" required description="Who asked for the codes (the dashboard's detail)" value={contactId} onChange={(e) => setContactId(e.currentTarget.value)} />
              </SimpleGrid>
              <Button type="submit" mt="md" loading={generate.pending} disabled={!advantageId || !contactId.trim()}>
                Generate
              </Button>
            </Paper>
            {generate.error !== undefined && <ProblemAlert error={generate.error} title="The codes were not generated" />}
            {batch && <BatchProgress initial={batch} />}
          </Stack>
        );
      }}
    </QueryView>
  );
}

/** Large batches run in the background: the progress is polled until the batch is done. */
function BatchProgress({ initial }: { initial: CodeBatchView }) {
  const { api } = useSession();
  const [batch, setBatch] = useState(initial);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (batch.state !== 'generating') return;
    const timer = setTimeout(() => {
      api.get<CodeBatchView>(fill(routes.codeBatch, { batchId: batch.batchId })).then(setBatch, setError);
    }, 700);
    return () => clearTimeout(timer);
  }, [api, batch]);
  const percent = batch.count === 0 ? 100 : Math.floor((batch.generated * 100) / batch.count);
  const download = async () => {
    // The list comes in pages of CSV rows; the header is kept from the first page only.
    let afterSeq = 0;
    const pages: string[] = [];
    for (;;) {
      const page = await api.get<{ csv: string; nextAfterSeq: number | null }>(fill(routes.codeBatchCsv, { batchId: batch.batchId }), { query: { afterSeq, limit: 20_000 } });
      pages.push(pages.length ? page.csv.split('\n').slice(1).join('\n') : page.csv);
      if (page.nextAfterSeq === null) break;
      afterSeq = page.nextAfterSeq;
    }
    const url = URL.createObjectURL(new Blob([pages.join('\n')], { type: 'text/csv' }));
    Object.assign(document.createElement('a'), { href: url, download: `codes-${batch.batchId}.csv` }).click();
    URL.revokeObjectURL(url);
  };
  return (
    <Paper withBorder p="md" aria-live="polite">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {batch.state === 'ready' ? 'Codes generated' : 'Generating codes…'}
          </Text>
          <Text size="sm" data-testid="batch-count">
            {batch.generated.toLocaleString()} / {batch.count.toLocaleString()}
          </Text>
        </Group>
        <Progress value={percent} aria-label="Codes generated" />
        {error !== undefined && <ProblemAlert error={error} title="Progress could not be read" />}
        {batch.state === 'ready' && (
          <Button variant="light" w="fit-content" onClick={() => void download().catch(setError)}>
            Download the list (CSV)
          </Button>
        )}
      </Stack>
    </Paper>
  );
}

function Dashboard() {
  const [perContact, setPerContact] = useState(true);
  const [season, setSeason] = useState('');
  const dashboard = useQuery<{ rows: CodeDashboardRow[]; totals: DashboardCounts }>(season ? routes.codeDashboard : undefined, { perContact: String(perContact), season });
  return (
    <Stack>
      <Group align="end">
        <TextInput label="Season" required placeholder="2025-2026" value={season} onChange={(e) => setSeason(e.currentTarget.value)} />
        <Checkbox label="Detail per contact who asked for the codes" checked={perContact} onChange={(e) => setPerContact(e.currentTarget.checked)} />
      </Group>
      <QueryView query={dashboard} label="the code dashboard">
        {({ rows, totals: total }) => {
          const figures = (r: DashboardCounts) => [r.generated, r.available, r.used, r.ticketsScanned, r.invalidated].map((n, i) => <Table.Td key={i}>{n.toLocaleString()}</Table.Td>);
          return (
            <DataTable
              caption="Codes per contact and advantage"
              minWidth={720}
              testId="code-dashboard"
              columns={['Contact', 'Advantage', 'Generated', 'Available', 'Used', 'Tickets scanned', 'Invalidated']}
              rows={rows}
              rowKey={(r) => `${r.contactId ?? ''}/${r.advantageId}`}
              cells={(r) => (
                <>
                  <Table.Td>{r.contactId ?? '—'}</Table.Td>
                  <Table.Td>{textIn(r.advantageName)}</Table.Td>
                  {figures(r)}
                </>
              )}
              footer={
                <>
                  <Table.Th scope="row" colSpan={2}>
                    Total
                  </Table.Th>
                  {figures(total)}
                </>
              }
            />
          );
        }}
      </QueryView>
    </Stack>
  );
}

/** Filled badges at AA contrast, as the vouchers' statuses and the points held: green and yellow light badges are below it. */
const codeStates: Record<CodeView['state'], { label: string; color: string }> = {
  available: { label: 'Available', color: 'teal.9' },
  used: { label: 'Used', color: 'blue.9' },
  held: { label: 'Held by an order', color: 'yellow.4' },
  invalidated: { label: 'Invalidated', color: 'red.9' },
};

function Tracking() {
  const [code, setCode] = useState('');
  const [searched, setSearched] = useState<string>();
  const found = useQuery<CodeView>(searched === undefined ? undefined : `${routes.codes}/${encodeURIComponent(searched)}`);
  const invalidate = useMutation<{ codes: string[] }, { invalidated: number }>('POST', routes.codeInvalidations);

  return (
    <Stack>
      <Group align="end" component="form" onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setSearched(code.trim().toUpperCase());
        }}>
        <TextInput label="Code" required value={code} onChange={(e) => setCode(e.currentTarget.value)} spellCheck={false} />
        <Button type="submit" variant="light">
          Find
        </Button>
      </Group>
      {searched !== undefined && (
        <QueryView query={found} label="the code">
          {(one) => (
            <DataTable
              caption="Code tracking"
              minWidth={560}
              striped={false}
              columns={['Code', 'State', 'Used at', 'By', 'Action']}
              rows={[one]}
              rowKey={(c) => c.code}
              cells={(c) => (
                <>
                  <Table.Td ff="monospace">{c.code}</Table.Td>
                  <Table.Td>
                    <Badge color={codeStates[c.state].color} variant="filled" autoContrast>
                      {codeStates[c.state].label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{c.usedAt ? new Date(c.usedAt).toLocaleString() : '—'}</Table.Td>
                  <Table.Td>{c.usedBy ?? '—'}</Table.Td>
                  <Table.Td>
                    {c.state === 'available' && (
                      <Button
                        size="compact-sm"
                        color="red"
                        variant="light"
                        onClick={() => void invalidate.run({ codes: [c.code] }).then((r) => r && found.reload())}
                        loading={invalidate.pending}
                      >
                        Invalidate {c.code}
                      </Button>
                    )}
                  </Table.Td>
                </>
              )}
            />
          )}
        </QueryView>
      )}
      {invalidate.error !== undefined && <ProblemAlert error={invalidate.error} title="The code was not invalidated" />}
    </Stack>
  );
}
