import { Progress, Stack, Text, Timeline, Title } from '@mantine/core';
import { tierStanding, type Tier } from '../tiers';

/** The tier ladder as a timeline, with "You're 80% to Gold!" above it. */
export function TierProgress({ value, tiers, unit }: { value: number; tiers: Tier[]; unit: string }) {
  const ladder = [...tiers].sort((a, b) => a.threshold - b.threshold);
  const s = tierStanding(value, ladder);
  const reached = ladder.filter((t) => t.threshold <= value).length;
  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        {s.next ? `You're ${s.percent}% to ${s.next.name}!` : `You're at the top tier${s.current ? `: ${s.current.name}` : ''}!`}
      </Title>
      <Progress value={s.percent} size="lg" aria-label={s.next ? `Progress to ${s.next.name}` : 'Top tier reached'} />
      {s.next && (
        <Text size="sm">
          {new Intl.NumberFormat().format(s.remaining)} {unit} to go.
        </Text>
      )}
      <Timeline active={reached - 1} bulletSize={18} lineWidth={3} aria-label="Tiers">
        {ladder.map((t) => (
          <Timeline.Item key={t.name} title={t.name}>
            <Text size="xs" c="gray.8">
              from {new Intl.NumberFormat().format(t.threshold)} {unit}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </Stack>
  );
}
