import { Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, type DeliveryView, type PartnerView } from '../../api/routes';
import { DataTable } from '../../components/DataTable';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { wordingFor } from '../../points';
import { userLocale } from '../../intl';

/** Partners (seed 000) and the messages they could not take after every retry, with replay. */
export function PartnersPage() {
  return (
    <Stack>
      <Title order={2}>Partners & dead letters</Title>
      <RequiresRoutes routes={[`GET ${routes.partners}`]}>
        <PartnerList />
      </RequiresRoutes>
      <Title order={3} size="h4">
        Dead letters
      </Title>
      <RequiresRoutes routes={[`GET ${routes.deadLetters}`, `POST ${routes.replayDelivery}`]}>
        <DeadLetters />
      </RequiresRoutes>
    </Stack>
  );
}

function PartnerList() {
  const partners = useQuery<{ partners: PartnerView[] }>(routes.partners);
  return (
    <QueryView query={partners} label="the partners">
      {({ partners: all }) =>
        all.length === 0 ? (
          <Text>No partner yet.</Text>
        ) : (
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            {all.map((p) => (
              <Card key={p.partnerId} withBorder>
                <Group justify="space-between">
                  <Text fw={600}>{p.name}</Text>
                  <Badge color={p.active ? 'teal.9' : 'gray.8'} variant="filled">
                    {p.active ? 'Active' : 'Inactive'}
                  </Badge>
                </Group>
                <Text size="sm">Points called “{wordingFor(p.wording, userLocale())}”</Text>
                <Text size="xs">updated {new Date(p.updatedAt).toLocaleString()}</Text>
              </Card>
            ))}
          </SimpleGrid>
        )
      }
    </QueryView>
  );
}

function DeadLetters() {
  const dead = useQuery<{ deliveries: DeliveryView[] }>(routes.deadLetters, { state: 'dead' });
  const replay = useMutation<Record<string, never>, DeliveryView>('POST', routes.replayDelivery);
  return (
    <Stack>
      {replay.error !== undefined && <ProblemAlert error={replay.error} title="The message was not replayed" />}
      <QueryView query={dead} label="the dead letters">
        {({ deliveries }) =>
          deliveries.length === 0 ? (
            <Text role="status">No dead letter: every message reached its partner.</Text>
          ) : (
            <DataTable
              caption="Messages a partner did not take after every retry"
              region="Dead letters"
              minWidth={640}
              columns={['Kind', 'Source', 'Attempts', 'Last error', 'Action']}
              rows={deliveries}
              rowKey={(d) => d.deliveryId}
              cells={(d) => (
                <>
                  <Table.Td>{d.kind}</Table.Td>
                  <Table.Td ff="monospace">{d.sourceKey}</Table.Td>
                  <Table.Td>{d.attempts}</Table.Td>
                  <Table.Td>{d.lastError ?? '—'}</Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      variant="light"
                      loading={replay.pending}
                      onClick={() => void replay.run({}, fill(routes.replayDelivery, { deliveryId: d.deliveryId })).then((r) => r && dead.reload())}
                    >
                      Replay {d.kind}
                    </Button>
                  </Table.Td>
                </>
              )}
            />
          )
        }
      </QueryView>
    </Stack>
  );
}
