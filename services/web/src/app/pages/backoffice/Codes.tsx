import { Badge, Button, Checkbox, Group, NumberInput, Paper, Progress, Select, SimpleGrid, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, type AdvantageView, type CodeBatchView, type CodeDashboardRow, type CodeView } from '../../api/routes';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
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
          <RequiresRoutes routes={[`GET ${routes.codes}`, `POST ${routes.codeInvalidate}`]}>
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
  const generate = useMutation<{ count: number; contactId?: string }, CodeBatchView>('POST', advantageId ? fill(routes.codeBatches, { advantageId }) : routes.codeBatches);
  const [batch, setBatch] = useState<CodeBatchView>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!advantageId) return;
    const started = await generate.run({ count: Number(count), ...(contactId.trim() ? { contactId: contactId.trim() } : {}) });
    if (started) setBatch(started);
  };

  return (
    <QueryView query={advantages} label="the advantages">
      {({ advantages: all }) => {
        const singleUse = all.filter((a) => a.targetType === 'single-use');
        return (
          <Stack>
            <Paper withBorder p="md" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Generate codes">
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <Select
                  label="Advantage"
                  required
                  data={singleUse.map((a) => ({ value: a.advantageId, label: `${a.name} (${a.season})` }))}
                  value={advantageId}
                  onChange={setAdvantageId}
                  nothingFoundMessage="No single-use advantage"
                />
                <NumberInput label="Number of codes" required min={1} max={1_000_000} allowDecimal={false} thousandSeparator="," value={count} onChange={setCount} />
                <TextInput label="For contact" description="Who asked for the codes (optional)" value={contactId} onChange={(e) => setContactId(e.currentTarget.value)} />
              </SimpleGrid>
              <Button type="submit" mt="md" loading={generate.pending} disabled={!advantageId}>
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
    if (batch.state !== 'running') return;
    const timer = setTimeout(() => {
      api
        .get<CodeBatchView>(fill(routes.codeBatch, { advantageId: batch.advantageId, batchId: batch.batchId }))
        .then(setBatch, setError);
    }, 700);
    return () => clearTimeout(timer);
  }, [api, batch]);
  const percent = batch.requested === 0 ? 100 : Math.floor((batch.generated * 100) / batch.requested);
  return (
    <Paper withBorder p="md" aria-live="polite">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {batch.state === 'done' ? 'Codes generated' : batch.state === 'failed' ? 'Generation failed' : 'Generating codes…'}
          </Text>
          <Text size="sm" data-testid="batch-count">
            {batch.generated.toLocaleString()} / {batch.requested.toLocaleString()}
          </Text>
        </Group>
        <Progress value={percent} aria-label="Codes generated" />
        {error !== undefined && <ProblemAlert error={error} title="Progress could not be read" />}
        {batch.state === 'done' && batch.downloadPath && (
          <Button
            variant="light"
            w="fit-content"
            onClick={() => void api.download(batch.downloadPath!.replace(/^\/v1/, ''), `codes-${batch.batchId}.csv`).catch(setError)}
          >
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
  const dashboard = useQuery<{ rows: CodeDashboardRow[] }>(routes.codeDashboard, { perContact: String(perContact), season: season || undefined });
  return (
    <Stack>
      <Group align="end">
        <TextInput label="Season" placeholder="2025-2026" value={season} onChange={(e) => setSeason(e.currentTarget.value)} />
        <Checkbox label="Detail per contact who asked for the codes" checked={perContact} onChange={(e) => setPerContact(e.currentTarget.checked)} />
      </Group>
      <QueryView query={dashboard} label="the code dashboard">
        {({ rows }) => {
          const total = rows.reduce(
            (t, r) => ({ generated: t.generated + r.generated, available: t.available + r.available, used: t.used + r.used, ticketsScanned: t.ticketsScanned + r.ticketsScanned, invalidated: t.invalidated + r.invalidated }),
            { generated: 0, available: 0, used: 0, ticketsScanned: 0, invalidated: 0 },
          );
          const figures = (r: typeof total) => [r.generated, r.available, r.used, r.ticketsScanned, r.invalidated].map((n, i) => <Table.Td key={i}>{n.toLocaleString()}</Table.Td>);
          return (
            <Table.ScrollContainer minWidth={720}>
              <Table striped data-testid="code-dashboard">
                <Table.Caption>Codes per contact and advantage</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Contact</Table.Th>
                    <Table.Th>Advantage</Table.Th>
                    <Table.Th>Generated</Table.Th>
                    <Table.Th>Available</Table.Th>
                    <Table.Th>Used</Table.Th>
                    <Table.Th>Tickets scanned</Table.Th>
                    <Table.Th>Invalidated</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((r) => (
                    <Table.Tr key={`${r.contactId ?? ''}/${r.advantageId}`}>
                      <Table.Td>{r.contactId ?? '—'}</Table.Td>
                      <Table.Td>{r.advantageName}</Table.Td>
                      {figures(r)}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
                <Table.Tfoot>
                  <Table.Tr>
                    <Table.Th scope="row" colSpan={2}>
                      Total
                    </Table.Th>
                    {figures(total)}
                  </Table.Tr>
                </Table.Tfoot>
              </Table>
            </Table.ScrollContainer>
          );
        }}
      </QueryView>
    </Stack>
  );
}

const codeStates: Record<CodeView['state'], { label: string; color: string }> = {
  available: { label: 'Available', color: 'green' },
  used: { label: 'Used', color: 'blue' },
  invalidated: { label: 'Invalidated', color: 'red' },
  expired: { label: 'Expired', color: 'gray' },
};

function Tracking() {
  const [code, setCode] = useState('');
  const [searched, setSearched] = useState<string>();
  const found = useQuery<{ codes: CodeView[] }>(searched === undefined ? undefined : routes.codes, { code: searched });
  const invalidate = useMutation<Record<string, never>, CodeView>('POST', routes.codeInvalidate);

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
          {({ codes }) =>
            codes.length === 0 ? (
              <Text role="status">No code {searched}.</Text>
            ) : (
              <Table>
                <Table.Caption>Code tracking</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Code</Table.Th>
                    <Table.Th>State</Table.Th>
                    <Table.Th>Used at</Table.Th>
                    <Table.Th>By</Table.Th>
                    <Table.Th>Action</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {codes.map((c) => (
                    <Table.Tr key={c.code}>
                      <Table.Td ff="monospace">{c.code}</Table.Td>
                      <Table.Td>
                        <Badge color={codeStates[c.state].color} variant="light">
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
                            onClick={() => void invalidate.run({}, fill(routes.codeInvalidate, { code: c.code })).then((r) => r && found.reload())}
                            loading={invalidate.pending}
                          >
                            Invalidate {c.code}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )
          }
        </QueryView>
      )}
      {invalidate.error !== undefined && <ProblemAlert error={invalidate.error} title="The code was not invalidated" />}
    </Stack>
  );
}
