import { Badge, Text } from '@mantine/core';
import type { MyLoyalty } from '../api/routes';
import { formatMoney, type Money } from '../money';
import { formatPoints, type Wording } from '../points';
import { userLocale } from '../intl';

export function MoneyText({ money }: { money: Money }) {
  return <span data-money={`${money.amountMinor} ${money.currency}`}>{formatMoney(money, userLocale())}</span>;
}

export function PointsText({ points, wording }: { points: number; wording?: Wording }) {
  return <span data-points={points}>{formatPoints(points, wording, userLocale())}</span>;
}

/** A loyalty balance as people read it: in the program's words, its money value, what orders hold and what expires soon. */
export function LoyaltyFigures({ loyalty: l }: { loyalty: MyLoyalty }) {
  return (
    <>
      <Text size="xl" fw={700}>
        <PointsText points={l.balance} wording={l.wording} />
      </Text>
      <Text size="sm">
        worth <MoneyText money={l.balanceValue} />
      </Text>
      {l.held > 0 && (
        <Badge variant="filled" color="yellow.4" autoContrast w="fit-content">
          {formatPoints(l.held, l.wording, userLocale())} held by an order in progress
        </Badge>
      )}
      {l.expiringSoon > 0 && l.nextExpiryAt && (
        <Text size="xs">
          {formatPoints(l.expiringSoon, l.wording, userLocale())} expire by {new Date(l.nextExpiryAt).toLocaleDateString()}
        </Text>
      )}
    </>
  );
}
