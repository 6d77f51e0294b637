import { Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { routes, type AdvantageView } from '../../api/routes';
import { QueryView } from '../../components/QueryView';
import { formatMoney } from '../../money';
import { familyLabels, targetLabels } from './AdvantageEditor';

const stateLabels: Record<AdvantageView['state'], string> = { draft: 'Draft', 'in-operation': 'In operation', closed: 'Closed' };

export function AdvantagesPage() {
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Advantages & promo codes</Title>
        <Button component={Link} to="/back-office/advantages/new">
          New advantage
        </Button>
      </Group>
      <RequiresRoutes routes={[`GET ${routes.advantages}`]}>
        <AdvantageList />
      </RequiresRoutes>
    </Stack>
  );
}

function AdvantageList() {
  const list = useQuery<{ advantages: AdvantageView[] }>(routes.advantages);
  return (
    <QueryView query={list} label="the advantages">
      {({ advantages }) =>
        advantages.length === 0 ? (
          <Text>No advantage yet.</Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table striped>
              <Table.Caption>Advantages of the tenant</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Family</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Reduction</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Codes</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {advantages.map((a) => (
                  <Table.Tr key={a.advantageId}>
                    <Table.Td>{a.name}</Table.Td>
                    <Table.Td>{familyLabels[a.productFamily] ?? a.productFamily}</Table.Td>
                    <Table.Td>{targetLabels[a.targetType] ?? a.targetType}</Table.Td>
                    <Table.Td>{a.discount.kind === 'percentage' ? `${a.discount.percent} %` : formatMoney(a.discount)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light">{stateLabels[a.state] ?? a.state}</Badge>
                    </Table.Td>
                    <Table.Td>
                      {a.targetType === 'single-use' && (
                        <Button component={Link} to={`/back-office/codes?advantage=${a.advantageId}`} size="compact-sm" variant="light">
                          Codes of {a.name}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )
      }
    </QueryView>
  );
}
