import { Progress, Stack, Text, Timeline, Title } from '@mantine/core';
import type { TierStanding } from '../api/routes';

/**
 * Where the fan stands ("You're 80% to Gold!"), as the loyalty service computed it, with the
 * tier reached and the next one as a timeline. `who` names someone else, for the back office.
 */
export function TierProgress({ standing, unit, who = "You're" }: { standing: TierStanding; unit: string; who?: string }) {
  const { current, next, percent, value, nextThreshold } = standing;
  const steps = [current ?? 'No tier yet', ...(next ? [next] : [])];
  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        {next ? `${who} ${percent}% to ${next}!` : `${who} at the top tier${current ? `: ${current}` : ''}!`}
      </Title>
      <Progress value={next ? percent : 100} size="lg" aria-label={next ? `Progress to ${next}` : 'Top tier reached'} />
      {next && nextThreshold !== null && (
        <Text size="sm">
          {new Intl.NumberFormat().format(Math.max(0, nextThreshold - value))} {unit} to go.
        </Text>
      )}
      <Timeline active={current ? 0 : -1} bulletSize={18} lineWidth={3} aria-label="Tiers">
        {steps.map((name) => (
          <Timeline.Item key={name} title={name} />
        ))}
      </Timeline>
    </Stack>
  );
}
