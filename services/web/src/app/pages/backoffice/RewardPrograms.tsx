import { Badge, Card, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { fill, routes, type RewardAnalytics, type RewardProgramView } from '../../api/routes';
import { QueryView } from '../../components/QueryView';
import { decimalString, formatMoney } from '../../money';

/** Reward programs and their analytics (seed 003): usage over time, redemption rate, discount given. */
export function RewardProgramsPage() {
  return (
    <Stack>
      <Title order={2}>Reward programs</Title>
      <RequiresRoutes routes={[`GET ${routes.rewardPrograms}`, `GET ${routes.rewardAnalytics}`]}>
        <Programs />
      </RequiresRoutes>
    </Stack>
  );
}

function Programs() {
  const programs = useQuery<{ programs: RewardProgramView[] }>(routes.rewardPrograms);
  const [programId, setProgramId] = useState<string | null>(null);
  return (
    <QueryView query={programs} label="the reward programs">
      {({ programs: all }) => (
        <Stack>
          <Select
            label="Reward program"
            data={all.map((p) => ({ value: p.programId, label: `${p.name}${p.state === 'active' ? '' : ' (inactive)'}` }))}
            value={programId ?? all[0]?.programId ?? null}
            onChange={setProgramId}
            allowDeselect={false}
            maw={420}
          />
          {(programId ?? all[0]?.programId) && <Analytics programId={(programId ?? all[0]?.programId)!} />}
        </Stack>
      )}
    </QueryView>
  );
}

const chartHeight = 260;

function Analytics({ programId }: { programId: string }) {
  const analytics = useQuery<RewardAnalytics>(fill(routes.rewardAnalytics, { programId }));
  return (
    <QueryView query={analytics} label="the analytics">
      {(a) => {
        // Charts plot major units; amounts are converted exactly, then read as numbers for the axis only.
        const days = a.days.map((d) => ({ ...d, discount: Number(decimalString(d.discountMinor, a.currency)) }));
        const totalDiscount = a.days.reduce((t, d) => t + d.discountMinor, 0);
        return (
          <Stack>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <Card withBorder>
                <Text size="sm">Redemption rate</Text>
                <Text size="xl" fw={700}>
                  {(a.redemptionRate * 100).toFixed(1)} %
                </Text>
              </Card>
              <Card withBorder>
                <Text size="sm">Rewards granted</Text>
                <Text size="xl" fw={700}>
                  {a.days.reduce((t, d) => t + d.granted, 0).toLocaleString()}
                </Text>
              </Card>
              <Card withBorder>
                <Text size="sm">Discount given</Text>
                <Text size="xl" fw={700}>
                  {formatMoney({ amountMinor: totalDiscount, currency: a.currency })}
                </Text>
              </Card>
            </SimpleGrid>
            <Card withBorder>
              <Title order={3} size="h5" mb="sm">
                Usage over time
              </Title>
              <div role="img" aria-label="Rewards granted and redeemed per day">
                <ResponsiveContainer width="100%" height={chartHeight}>
                  <LineChart data={days}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Legend />
                    <Line type="monotone" dataKey="granted" name="Granted" stroke="#364fc7" />
                    <Line type="monotone" dataKey="redeemed" name="Redeemed" stroke="#2b8a3e" />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            </Card>
            <Card withBorder>
              <Title order={3} size="h5" mb="sm">
                Discount given per day <Badge variant="light">{a.currency}</Badge>
              </Title>
              <div role="img" aria-label={`Discount given per day in ${a.currency}`}>
                <ResponsiveContainer width="100%" height={chartHeight}>
                  <BarChart data={days}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" />
                    <YAxis />
                    <Tooltip formatter={(_v, _n, item) => formatMoney({ amountMinor: (item.payload as { discountMinor: number }).discountMinor, currency: a.currency })} />
                    <Bar dataKey="discount" name="Discount" fill="#364fc7" />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </Card>
          </Stack>
        );
      }}
    </QueryView>
  );
}
