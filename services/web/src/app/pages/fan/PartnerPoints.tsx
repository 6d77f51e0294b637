import { Alert, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useQuery } from '../../api/hooks';
import { fill, routes, type CheckoutRequest, type PartnerBalance, type Quote } from '../../api/routes';
import { formatMoney, parseMinor } from '../../money';
import { formatPoints, wordingFor } from '../../points';
import { userLocale } from '../../intl';

type QuotedBalance = Quote['balances']['partners'][number];

/**
 * Paying part of the order with a loyalty partner's points (seed 000), one form per partner the
 * quote knows a balance for. A partner that is not answering gives its last known balance,
 * marked stale: the fan is told so before trying, and why it failed if it does.
 */
export function PartnerPointsPayment({ quote, request, onChange }: { quote: Quote | undefined; request: CheckoutRequest; onChange(next: CheckoutRequest): void }) {
  const partners = quote?.balances.partners ?? [];
  const unavailable = quote?.balances.partnersUnavailable ?? [];
  if (partners.length === 0 && unavailable.length === 0) return null;
  return (
    <Stack gap="sm">
      {partners.map((b) => (
        <PartnerPoints key={b.partnerId} balance={b} request={request} onChange={onChange} />
      ))}
      {unavailable.length > 0 && (
        <Alert color="yellow" variant="light" role="status" data-testid="partner-unavailable">
          {unavailable.length === 1 ? 'Your loyalty partner is' : `${unavailable.length} of your loyalty partners are`} not answering right now, so their points
          cannot pay for this order. Your points are safe: try again later or pay another way.
        </Alert>
      )}
    </Stack>
  );
}

function PartnerPoints({ balance, request, onChange }: { balance: QuotedBalance; request: CheckoutRequest; onChange(next: CheckoutRequest): void }) {
  // The quote gives the figures; the partner's own wording comes with the fan's balance.
  const mine = useQuery<PartnerBalance>(fill(routes.myPartnerBalance, { partnerId: balance.partnerId }));
  const locale = userLocale();
  const unit = wordingFor(mine.data?.wording ?? { en: 'partner points' }, locale);
  const currency = request.currency;
  const used = request.partnerPoints?.partnerId === balance.partnerId ? request.partnerPoints.amountMinor : 0;
  const [amount, setAmount] = useState('');
  const [issue, setIssue] = useState<string>();
  const worth = formatMoney({ amountMinor: balance.valueMinor, currency }, locale);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const amountMinor = amount.trim() === '' ? 0 : parseMinor(amount, currency);
    const problem = amountMinor === undefined ? `An amount in ${currency}, like 15.00.` : amountMinor > balance.valueMinor ? `Your ${unit} are worth ${worth} at most.` : undefined;
    setIssue(problem);
    if (problem || amountMinor === undefined) return;
    const { partnerPoints: _previous, ...rest } = request;
    onChange(amountMinor > 0 ? { ...rest, partnerPoints: { partnerId: balance.partnerId, amountMinor } } : rest);
  };

  return (
    <Stack gap={6} data-testid="partner-points">
      <Group align="end" component="form" onSubmit={submit} aria-label={`Pay with ${unit}`}>
        <TextInput
          label={`Amount to pay with ${unit}`}
          description={`${formatPoints(balance.points, mine.data?.wording ?? { en: unit }, locale)}${balance.stale ? ' last known' : ' available'}, worth ${worth}${used ? `; ${formatMoney({ amountMinor: used, currency }, locale)} used` : ''}`}
          inputMode="decimal"
          placeholder="0.00"
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          error={issue}
        />
        <Button type="submit" variant="light">
          Use {unit}
        </Button>
      </Group>
      {balance.stale && (
        <Alert color="blue" variant="light" role="status" title={`${unit} unavailable right now`}>
          <Text size="sm">The loyalty partner is not answering: the balance shown is the last one it gave, and paying with these points may not go through. You can pay another way.</Text>
        </Alert>
      )}
    </Stack>
  );
}
