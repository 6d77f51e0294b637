import { Progress, Stack, Text, Timeline, Title } from '@mantine/core';
import type { Criterion, TierStanding } from '../api/routes';
import { formatMoney } from '../money';

const counted: Record<Exclude<Criterion, 'total-spending'>, string> = { 'tickets-purchased': 'tickets', 'events-attended': 'events', 'membership-days': 'days' };

/** What is left to the next tier in what the tiers count: money spent (given its currency), tickets, events or days. */
function left(standing: TierStanding, remaining: number, unit: string, currency: string | undefined): string {
  const { criterion } = standing;
  if (criterion === 'total-spending' && currency) return formatMoney({ amountMinor: remaining, currency });
  return `${new Intl.NumberFormat().format(remaining)} ${criterion && criterion !== 'total-spending' ? counted[criterion] : unit}`;
}

/**
 * Where the fan stands ("You're 80% to Gold!"), as the loyalty service computed it, with the
 * tier reached and the next one as a timeline. `who` names someone else, for the back office.
 */
export function TierProgress({ standing, unit, who = "You're", currency }: { standing: TierStanding; unit: string; who?: string; currency?: string }) {
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
          {left(standing, Math.max(0, nextThreshold - value), unit, currency)} to go.
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
