import { Badge, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useQuery } from '../../api/hooks';
import { fill, routes, type RewardAnalytics } from '../../api/routes';
import { QueryView } from '../../components/QueryView';
import { decimalString, formatMoney } from '../../money';

const chartHeight = 260;

/** A reward program's analytics (seed 003): usage over time, redemption rate, discount given. */
export function Analytics({ rewardId, currency }: { rewardId: string; currency: string }) {
  const analytics = useQuery<RewardAnalytics>(fill(routes.rewardAnalytics, { rewardId }));
  return (
    <QueryView query={analytics} label="the analytics">
      {(a) => {
        // Charts plot major units; amounts are converted exactly, then read as numbers for the axis only.
        const days = a.usageByDay.map((d) => ({ ...d, discount: Number(decimalString(d.discountMinor, currency)) }));
        return (
          <Stack>
            <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
              <Card withBorder>
                <Text size="sm">Eligible customers</Text>
                <Text size="xl" fw={700}>
                  {a.eligible.toLocaleString()}
                </Text>
              </Card>
              <Card withBorder>
                <Text size="sm">Redemption rate</Text>
                <Text size="xl" fw={700}>
                  {(a.redemptionRate * 100).toFixed(1)} %
                </Text>
              </Card>
              <Card withBorder>
                <Text size="sm">Granted / used</Text>
                <Text size="xl" fw={700}>
                  {a.granted.toLocaleString()} / {a.used.toLocaleString()}
                </Text>
              </Card>
              <Card withBorder>
                <Text size="sm">Discount given</Text>
                <Text size="xl" fw={700}>
                  {formatMoney({ amountMinor: a.discountGivenMinor, currency })}
                </Text>
              </Card>
            </SimpleGrid>
            <Card withBorder>
              <Title order={3} size="h5" mb="sm">
                Usage over time
              </Title>
              <div role="img" aria-label="Rewards used per day">
                <ResponsiveContainer width="100%" height={chartHeight}>
                  <LineChart data={days}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Legend />
                    <Line type="monotone" dataKey="uses" name="Used" stroke="#2b8a3e" />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            </Card>
            <Card withBorder>
              <Title order={3} size="h5" mb="sm">
                Discount given per day <Badge variant="light">{currency}</Badge>
              </Title>
              <div role="img" aria-label={`Discount given per day in ${currency}`}>
                <ResponsiveContainer width="100%" height={chartHeight}>
                  <BarChart data={days}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" />
                    <YAxis />
                    <Tooltip formatter={(_v, _n, item) => formatMoney({ amountMinor: (item.payload as { discountMinor: number }).discountMinor, currency })} />
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
