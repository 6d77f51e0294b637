import type { Program } from '@tlp/contracts';
import { sql, type Tx } from '@tlp/platform';
import { tierProgress } from '../domain/criteria';
import { paidOutsidePoints, pointsEarned, pointsValueMinor } from '../domain/earn';
import { rewardReductions } from '../domain/rewards';
import { accountView } from './ledger';
import { priceInPoints, resolveProgram, type AccountRow } from './programs';
import { activityOf, usableRewards } from './rewards';

export interface QuoteRequest {
  contactId: string;
  programId?: string;
  channel: string;
  pointOfSale?: string;
  currency: string;
  lines: { lineId: string; productId: string; productFamily: string; sectionId?: string; quantity: number; priceMinor: number; payInPoints: boolean }[];
  pointsToUse: number;
}

async function findAccount(tx: Tx, tenantId: string, program: Program, contactId: string): Promise<AccountRow | undefined> {
  const [row] = await sql<AccountRow>(tx, `SELECT * FROM accounts WHERE tenant_id = $1 AND program_id = $2 AND contact_id = $3`, [tenantId, program.programId, contactId]);
  return row;
}

/**
 * What loyalty brings to a checkout, read-only: the account and its money value, the rewards
 * that apply by themselves (the best one per line wins, so rewards never stack beyond the
 * price), what the chosen points are worth, and the points the order would earn.
 */
export async function quote(tx: Tx, tenantId: string, q: QuoteRequest, now: Date) {
  const program = await resolveProgram(tx, tenantId, q.programId);
  const account = await findAccount(tx, tenantId, program, q.contactId);
  const rewards = (await usableRewards(tx, tenantId, q.contactId, now))
    .filter((r) => r.reward.type !== 'fixed' || r.reward.currency === q.currency)
    .map((r) => ({ rewardId: r.rewardId, name: r.name, fundedBy: r.fundedBy, lines: rewardReductions(r, q.lines) }))
    .filter((r) => r.lines.length > 0);
  const best = new Map<string, { rewardId: string; amountMinor: number }>();
  for (const r of rewards) for (const l of r.lines) if ((best.get(l.lineId)?.amountMinor ?? 0) < l.amountMinor) best.set(l.lineId, { rewardId: r.rewardId, amountMinor: l.amountMinor });
  const applied = rewards
    .map((r) => ({ ...r, lines: r.lines.filter((l) => best.get(l.lineId)?.rewardId === r.rewardId) }))
    .filter((r) => r.lines.length > 0);
  const paid = q.lines.map((l) => ({ ...l, paidMinor: Math.max(0, l.priceMinor - (best.get(l.lineId)?.amountMinor ?? 0)) }));
  const inPoints = q.lines.filter((l) => l.payInPoints);
  const pointsPriced = priceInPoints(program, inPoints).map((p, n) => ({ lineId: inPoints[n]!.lineId, points: p.points }));
  const activity = await activityOf(tx, tenantId, q.contactId);
  const [holder] = await sql<{ season_ticket_holder: boolean }>(tx, `SELECT season_ticket_holder FROM activity WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, q.contactId]);
  const pointsValue = pointsValueMinor(q.pointsToUse, program.valueNumerator, program.valueDenominator);
  const paidWithPoints = [
    { method: 'points' as const, amountMinor: pointsValue },
    ...pointsPriced.map((p) => ({ method: 'points' as const, amountMinor: paid.find((l) => l.lineId === p.lineId)?.paidMinor ?? 0, ref: p.lineId })),
  ];
  return {
    account: account ? await accountView(tx, account, program, now) : null,
    rewards: applied,
    pointsValue: { amountMinor: pointsValue, currency: program.currency },
    pointsPriced,
    pointsEarnable: pointsEarned(
      { rules: program.earnRules, seasonTicketHoldersOnly: program.seasonTicketHoldersOnly },
      { channel: q.channel, ...(q.pointOfSale ? { pointOfSale: q.pointOfSale } : {}), lines: paidOutsidePoints(paid, paidWithPoints).map((l) => ({ ...l, productFamily: l.productFamily as never })) },
      holder?.season_ticket_holder ?? false,
    ),
    tier: tierProgress(program.tiers, activity, now),
  };
}

export async function progress(tx: Tx, tenantId: string, contactId: string, programId: string | undefined, now: Date) {
  const program = await resolveProgram(tx, tenantId, programId);
  return { programId: program.programId, ...tierProgress(program.tiers, await activityOf(tx, tenantId, contactId), now) };
}
