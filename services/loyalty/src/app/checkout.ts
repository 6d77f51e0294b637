import type { Program } from '@tlp/contracts';
import { prepared, sql, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import { tierProgress } from '../domain/criteria';
import { paidOutsidePoints, pointsEarned, pointsValueMinor } from '../domain/earn';
import { rewardReductions } from '../domain/rewards';
import { liveCatalog, type LoyaltyCatalog } from './catalog';
import { expiringSoonSql, toAccountView, type ExpiringSoon } from './ledger';
import { chooseProgram, priceInPoints, resolveProgram, toProgram, type AccountRow, type ProgramRow } from './programs';
import { ACTIVITY_COLUMNS, activityOf, toActivity, toReward, usableOf, usedRewardsSql, type ActivityRow, type RewardRow } from './rewards';

export interface QuoteRequest {
  contactId: string;
  programId?: string;
  channel: string;
  pointOfSale?: string;
  currency: string;
  lines: { lineId: string; productId: string; productFamily: string; sectionId?: string; quantity: number; priceMinor: number; payInPoints: boolean }[];
  pointsToUse: number;
}

const CATALOG = prepared(
  'loyalty-quote-catalog',
  `SELECT (SELECT coalesce(json_agg(p ORDER BY p.created_at), '[]') FROM programs p WHERE p.tenant_id = $1) AS programs,
          (SELECT coalesce(json_agg(r ORDER BY r.created_at), '[]') FROM rewards r WHERE r.tenant_id = $1 AND r.active) AS rewards`,
);

async function loadCatalog(db: DataSource, tenantId: string): Promise<LoyaltyCatalog> {
  const [row] = await sql<{ programs: ProgramRow[]; rewards: RewardRow[] }>(db, CATALOG, [tenantId]);
  return { programs: (row?.programs ?? []).map(toProgram), rewards: (row?.rewards ?? []).map(toReward) };
}

/** Everything a quote reads of one contact, in one statement: $1 tenant, $2 contact, $3 program, $4 now. */
const CONTACT = prepared(
  'loyalty-quote-contact',
  `WITH account AS (
     SELECT account_id, program_id, contact_id, phone, balance, held, created_at FROM accounts WHERE tenant_id = $1 AND program_id = $3 AND contact_id = $2
   )
   SELECT (SELECT row_to_json(account) FROM account) AS account,
          (SELECT row_to_json(x) FROM (SELECT ${ACTIVITY_COLUMNS}, a.season_ticket_holder FROM activity a WHERE a.tenant_id = $1 AND a.contact_id = $2) x) AS activity,
          (SELECT coalesce(json_object_agg(reward_id, state), '{}') FROM reward_grants WHERE tenant_id = $1 AND contact_id = $2) AS grants,
          ARRAY(${usedRewardsSql('$1', '$2')}) AS used,
          (SELECT row_to_json(s) FROM (${expiringSoonSql('(SELECT account_id FROM account)', '$4')}) s) AS soon`,
);

interface ContactRow {
  account: AccountRow | null;
  activity: (ActivityRow & { season_ticket_holder: boolean }) | null;
  grants: Record<string, string>;
  used: string[];
  soon: ExpiringSoon | null;
}

/**
 * What loyalty brings to a checkout, read-only: the account and its money value, the rewards
 * that apply by themselves (the best one per line wins, so rewards never stack beyond the
 * price), what the chosen points are worth, and the points the order would earn. Asked at every
 * change of a cart, so it reads the contact in one statement and the set-up from the live
 * catalog, with no transaction: the holds check everything again.
 */
export async function quote(db: DataSource, tenantId: string, q: QuoteRequest, now: Date) {
  const catalog = await liveCatalog(tenantId, () => loadCatalog(db, tenantId));
  const program: Program = chooseProgram(catalog.programs, q.programId);
  const [contact] = await sql<ContactRow>(db, CONTACT, [tenantId, q.contactId, program.programId, now]);
  const activity = toActivity(contact?.activity ?? undefined, now);
  const history = { grants: new Map(Object.entries(contact?.grants ?? {})), used: new Set(contact?.used ?? []) };
  const rewards = usableOf(catalog.rewards, activity, history, now)
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
  const pointsValue = pointsValueMinor(q.pointsToUse, program.valueNumerator, program.valueDenominator);
  const paidWithPoints = [
    { method: 'points' as const, amountMinor: pointsValue },
    ...pointsPriced.map((p) => ({ method: 'points' as const, amountMinor: paid.find((l) => l.lineId === p.lineId)?.paidMinor ?? 0, ref: p.lineId })),
  ];
  return {
    account: contact?.account ? toAccountView(contact.account, program, contact.soon ?? undefined) : null,
    rewards: applied,
    pointsValue: { amountMinor: pointsValue, currency: program.currency },
    pointsPriced,
    pointsEarnable: pointsEarned(
      { rules: program.earnRules, seasonTicketHoldersOnly: program.seasonTicketHoldersOnly },
      { channel: q.channel, ...(q.pointOfSale ? { pointOfSale: q.pointOfSale } : {}), lines: paidOutsidePoints(paid, paidWithPoints).map((l) => ({ ...l, productFamily: l.productFamily as never })) },
      contact?.activity?.season_ticket_holder ?? false,
    ),
  };
}

export async function progress(tx: Tx, tenantId: string, contactId: string, programId: string | undefined, now: Date) {
  const program = await resolveProgram(tx, tenantId, programId);
  return { programId: program.programId, ...tierProgress(program.tiers, await activityOf(tx, tenantId, contactId), now) };
}
