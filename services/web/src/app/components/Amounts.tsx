import { formatMoney, type Money } from '../money';
import { formatPoints, type Wording } from '../points';

const locale = () => navigator.language || 'en';

export function MoneyText({ money }: { money: Money }) {
  return <span data-money={`${money.amountMinor} ${money.currency}`}>{formatMoney(money, locale())}</span>;
}

export function PointsText({ points, wording }: { points: number; wording?: Wording }) {
  return <span data-points={points}>{formatPoints(points, wording, locale())}</span>;
}
