import { Badge, Card, Group, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { routes, type MyLoyalty, type RewardView } from '../../api/routes';
import { MoneyText, PointsText } from '../../components/Amounts';
import { QueryView } from '../../components/QueryView';
import { TierProgress } from '../../components/TierProgress';
import { formatMoney } from '../../money';
import { wordingFor } from '../../points';

/** Seed 003's "My rewards": balance in the program's words and its money value, tiers, rewards. */
export function MyRewardsPage() {
  return (
    <Stack>
      <Title order={2}>My rewards</Title>
      <RequiresRoutes routes={[`GET ${routes.myLoyalty}`, `GET ${routes.myRewards}`]}>
        <Balances />
        <Rewards />
      </RequiresRoutes>
    </Stack>
  );
}

function Balances() {
  const loyalty = useQuery<MyLoyalty>(routes.myLoyalty);
  return (
    <QueryView query={loyalty} label="your balance">
      {(l) => (
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Card withBorder data-testid="balance">
              <Text size="sm">{l.programName}</Text>
              <Text size="xl" fw={700}>
                <PointsText points={l.points} wording={l.wording} />
              </Text>
              <Text size="sm">
                worth <MoneyText money={l.value} />
              </Text>
            </Card>
            {l.partner && (
              <Card withBorder>
                <Group justify="space-between">
                  <Text size="sm">{l.partner.name}</Text>
                  {l.partner.stale && (
                    <Badge color="yellow" variant="light">
                      last known
                    </Badge>
                  )}
                </Group>
                <Text size="xl" fw={700}>
                  <PointsText points={l.partner.points} wording={l.partner.wording} />
                </Text>
                <Text size="sm">
                  worth <MoneyText money={l.partner.value} />
                </Text>
              </Card>
            )}
          </SimpleGrid>
          {l.tiers.length > 0 && (
            <Card withBorder data-testid="tier-progress">
              <TierProgress value={l.tierValue} tiers={l.tiers} unit={wordingFor(l.wording, navigator.language || 'en')} />
            </Card>
          )}
        </Stack>
      )}
    </QueryView>
  );
}

const rewardStates = ['active', 'used', 'expired'] as const;
const stateTitles: Record<(typeof rewardStates)[number], string> = { active: 'Active', used: 'Used', expired: 'Expired' };

function describe(r: RewardView): string {
  if (r.kind === 'percentage') return `${r.percent ?? 0} % off`;
  if (r.kind === 'fixed' && r.amount) return `${formatMoney(r.amount)} off`;
  return 'A free ticket';
}

function Rewards() {
  const rewards = useQuery<{ rewards: RewardView[] }>(routes.myRewards);
  return (
    <QueryView query={rewards} label="your rewards">
      {({ rewards: all }) => (
        <Tabs defaultValue="active">
          <Tabs.List>
            {rewardStates.map((s) => (
              <Tabs.Tab key={s} value={s}>
                {stateTitles[s]} ({all.filter((r) => (s === 'expired' ? r.state === 'expired' || r.state === 'revoked' : r.state === s)).length})
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {rewardStates.map((s) => {
            const shown = all.filter((r) => (s === 'expired' ? r.state === 'expired' || r.state === 'revoked' : r.state === s));
            return (
              <Tabs.Panel key={s} value={s} pt="md">
                {shown.length === 0 ? (
                  <Text>No {stateTitles[s].toLowerCase()} reward.</Text>
                ) : (
                  <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
                    {shown.map((r) => (
                      <Card key={r.rewardId} withBorder>
                        <Text fw={600}>{r.name}</Text>
                        <Text size="sm">{describe(r)}</Text>
                        {r.validUntil && s === 'active' && <Text size="xs">until {new Date(r.validUntil).toLocaleDateString()}</Text>}
                        {r.usedAt && <Text size="xs">used {new Date(r.usedAt).toLocaleDateString()}</Text>}
                      </Card>
                    ))}
                  </SimpleGrid>
                )}
              </Tabs.Panel>
            );
          })}
        </Tabs>
      )}
    </QueryView>
  );
}
