import { Badge, Button, Group, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { routes, textIn, type AdvantageView } from '../../api/routes';
import { QueryView } from '../../components/QueryView';
import { DataTable } from '../../components/DataTable';
import { formatMoney } from '../../money';
import { familyLabels, targetLabels } from './AdvantageEditor';
import { PromoCodeList } from './PromoCodes';

const stateLabels: Record<AdvantageView['state'], string> = { draft: 'Draft', 'in-operation': 'In operation', closed: 'Closed' };

/** Advantages (special prices) and promo codes (a reduction on the whole order), a tab each; `?tab=promo-codes` opens the second. */
export function AdvantagesPage() {
  const [params, setParams] = useSearchParams();
  return (
    <Stack>
      <Title order={2}>Advantages & promo codes</Title>
      <Tabs value={params.get('tab') === 'promo-codes' ? 'promo-codes' : 'advantages'} onChange={(tab) => setParams(tab === 'promo-codes' ? { tab } : {}, { replace: true })}>
        <Tabs.List>
          <Tabs.Tab value="advantages">Advantages</Tabs.Tab>
          <Tabs.Tab value="promo-codes">Promo codes</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="advantages" pt="md">
          <Stack>
            <Group justify="space-between">
              <Text>Special prices on products, for an audience.</Text>
              <Button component={Link} to="/back-office/advantages/new">
                New advantage
              </Button>
            </Group>
            <RequiresRoutes routes={[`GET ${routes.advantages}`]}>
              <AdvantageList />
            </RequiresRoutes>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="promo-codes" pt="md">
          <PromoCodeList />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function AdvantageList() {
  const list = useQuery<{ advantages: AdvantageView[] }>(routes.advantages);
  return (
    <QueryView query={list} label="the advantages">
      {({ advantages }) => (
        <DataTable
          caption="Advantages of the tenant"
          minWidth={640}
          empty="No advantage yet."
          columns={['Name', 'Family', 'Target', 'Special prices', 'State', 'Codes']}
          rows={advantages}
          rowKey={(a) => a.advantageId}
          cells={(a) => (
            <>
              <Table.Td>{textIn(a.names.internal)}</Table.Td>
              <Table.Td>{familyLabels[a.family] ?? a.family}</Table.Td>
              <Table.Td>{targetLabels[a.target.type] ?? a.target.type}</Table.Td>
              <Table.Td>{a.prices.map((p) => `${p.productId}: ${formatMoney({ amountMinor: p.priceMinor, currency: p.currency })}`).join('; ')}</Table.Td>
              <Table.Td>
                <Badge variant="light">{stateLabels[a.state] ?? a.state}</Badge>
              </Table.Td>
              <Table.Td>
                {a.target.type === 'single-use-codes' && (
                  <Button component={Link} to={`/back-office/codes?advantage=${a.advantageId}`} size="compact-sm" variant="light">
                    Codes of {textIn(a.names.internal)}
                  </Button>
                )}
              </Table.Td>
            </>
          )}
        />
      )}
    </QueryView>
  );
}
