import type { Program } from '@tlp/contracts';
import { prepared, sql, togetherOnPool, type Tx } from '@tlp/platform';
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

/** The account of quote `q` in its program, if the contact has one. */
const ACCOUNT_OF_QUOTE = 'FROM accounts WHERE tenant_id = q.tenant_id AND program_id = q.program_id AND contact_id = q.contact_id';

const CATALOG = prepared(
  'loyalty-quote-catalog',
  `SELECT (SELECT coalesce(json_agg(p ORDER BY p.created_at), '[]') FROM programs p WHERE p.tenant_id = $1) AS programs,
          (SELECT coalesce(json_agg(r ORDER BY r.created_at), '[]') FROM rewards r WHERE r.tenant_id = $1 AND r.active) AS rewards`,
);

async function loadCatalog(db: DataSource, tenantId: string): Promise<LoyaltyCatalog> {
  const [row] = await sql<{ programs: ProgramRow[]; rewards: RewardRow[] }>(db, CATALOG, [tenantId]);
  return { programs: (row?.programs ?? []).map(toProgram), rewards: (row?.rewards ?? []).map(toReward) };
}

/**
 * Everything a quote reads of its contact, for the quotes of one batch in one statement: one
 * row per quote, in their order, each read within its own tenant.
 */
const CONTACTS = prepared(
  'loyalty-quote-contacts',
  `SELECT (SELECT row_to_json(x) FROM (SELECT account_id, program_id, contact_id, phone, balance, held, created_at ${ACCOUNT_OF_QUOTE}) x) AS account,
          (SELECT row_to_json(x) FROM (SELECT ${ACTIVITY_COLUMNS}, a.season_ticket_holder FROM activity a WHERE a.tenant_id = q.tenant_id AND a.contact_id = q.contact_id) x) AS activity,
          (SELECT coalesce(json_object_agg(reward_id, state), '{}') FROM reward_grants WHERE tenant_id = q.tenant_id AND contact_id = q.contact_id) AS grants,
          ARRAY(${usedRewardsSql('q.tenant_id', 'q.contact_id')}) AS used,
          (SELECT row_to_json(s) FROM (${expiringSoonSql(`(SELECT account_id ${ACCOUNT_OF_QUOTE})`, 'q.now')}) s) AS soon
   FROM unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[]) WITH ORDINALITY AS q (tenant_id, contact_id, program_id, now, n)
   ORDER BY q.n`,
);

interface ContactOfQuote {
  tenantId: string;
  contactId: string;
  programId: string;
  now: Date;
}

interface ContactRow {
  account: AccountRow | null;
  activity: (ActivityRow & { season_ticket_holder: boolean }) | null;
  grants: Record<string, string>;
  used: string[];
  soon: ExpiringSoon | null;
}

/** The contact a quote reads; concurrent quotes on the pool share one statement. */
function contactOfQuote(db: DataSource, key: ContactOfQuote): Promise<ContactRow | undefined> {
  return togetherOnPool(
    db,
    'loyalty-quote-contacts',
    (keys: ContactOfQuote[]) =>
      sql<ContactRow>(db, CONTACTS, [keys.map((k) => k.tenantId), keys.map((k) => k.contactId), keys.map((k) => k.programId), keys.map((k) => k.now)]),
    key,
  );
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
  const contact = await contactOfQuote(db, { tenantId, contactId: q.contactId, programId: program.programId, now });
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
