import { Card, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { routes, type MyLoyalty, type RewardView, type TierStanding } from '../../api/routes';
import { LoyaltyFigures } from '../../components/Amounts';
import { QueryView } from '../../components/QueryView';
import { TierProgress } from '../../components/TierProgress';
import { formatMoney } from '../../money';

/** Seed 003's "My rewards": balance in the program's words and its money value, tiers, rewards. */
export function MyRewardsPage() {
  return (
    <Stack>
      <Title order={2}>My rewards</Title>
      <RequiresRoutes routes={[`GET ${routes.myLoyalty}`, `GET ${routes.myTierProgress}`, `GET ${routes.myRewards}`]}>
        <Balances />
        <Rewards />
      </RequiresRoutes>
    </Stack>
  );
}

function Balances() {
  const loyalty = useQuery<MyLoyalty>(routes.myLoyalty);
  const standing = useQuery<TierStanding>(routes.myTierProgress);
  return (
    <QueryView query={loyalty} label="your balance">
      {(l) => (
        <Stack>
          <Card withBorder data-testid="balance">
            <LoyaltyFigures loyalty={l} />
          </Card>
          <QueryView query={standing} label="your tier progress">
            {(s) => (
              <Card withBorder data-testid="tier-progress">
                <TierProgress standing={s} wording={l.wording} currency={l.balanceValue.currency} />
              </Card>
            )}
          </QueryView>
        </Stack>
      )}
    </QueryView>
  );
}

const rewardStates = ['active', 'used', 'expired'] as const;
const stateTitles: Record<(typeof rewardStates)[number], string> = { active: 'Active', used: 'Used', expired: 'Expired' };

function describe(r: RewardView): string {
  if (r.reward.type === 'percentage') return `${r.reward.basisPoints / 100} % off`;
  if (r.reward.type === 'fixed') return `${formatMoney({ amountMinor: r.reward.amountMinor, currency: r.reward.currency })} off`;
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
                {stateTitles[s]} ({all.filter((r) => r.state === s).length})
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {rewardStates.map((s) => {
            const shown = all.filter((r) => r.state === s);
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
