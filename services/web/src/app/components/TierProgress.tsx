import { Progress, Stack, Text, Timeline, Title } from '@mantine/core';
import type { TierStanding } from '../api/routes';
import { formatMoney } from '../money';
import { formatPoints, type Wording } from '../points';
import { formatCount } from '../tiers';
import { userLocale } from '../intl';

/** What is left to the next tier in what the tiers count: money spent (given its currency), tickets, events or days ("1 ticket"), else points. */
function left(standing: TierStanding, remaining: number, wording: Wording, currency: string | undefined): string {
  const { criterion } = standing;
  const locale = userLocale();
  if (criterion === 'total-spending' && currency) return formatMoney({ amountMinor: remaining, currency });
  if (criterion && criterion !== 'total-spending') return formatCount(remaining, criterion, locale);
  return formatPoints(remaining, wording, locale);
}

/**
 * Where the fan stands ("You're 80% to Gold!"), as the loyalty service computed it, with the
 * tier reached and the next one as a timeline. `who` names someone else, for the back office.
 */
export function TierProgress({ standing, wording, who = "You're", currency }: { standing: TierStanding; wording: Wording; who?: string; currency?: string }) {
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
          {left(standing, Math.max(0, nextThreshold - value), wording, currency)} to go.
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
