import { DomainError, type PartnerBalance } from '@tlp/contracts';
import { newId, sql, withinRedisDeadline, type Tx } from '@tlp/platform';
import { listPartners, type PartnerRecord } from '../db/partners';
import { pointsValue } from '../domain/rules';
import { breakerOpen, PartnerUnreachable } from '../transport/partner-api';
import { endpointOf } from './delivery';
import type { Ports, UseCaseContext } from './ports';
import { requirePartner } from './partners';

interface Known {
  points: number;
  asOf: string;
}

const cacheKey = (ports: Ports, tenantId: string, partnerId: string, contactId: string) => ports.keys.key('balance', tenantId, partnerId, contactId);

/**
 * Remembers a balance the partner told us (in a reply or a webhook): in PostgreSQL as the last
 * known value, in Redis for quick reads. An older news never overwrites a newer one. PostgreSQL is
 * the truth: with Redis away the copy is skipped (logged), and reads go to PostgreSQL meanwhile.
 */
export async function rememberBalance(q: Tx | Ports['db'], ports: Ports, tenantId: string, partnerId: string, contactId: string, known: Known): Promise<void> {
  const rows = await sql(
    q,
    `INSERT INTO balances (tenant_id, partner_id, contact_id, points, as_of) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, partner_id, contact_id) DO UPDATE SET points = EXCLUDED.points, as_of = EXCLUDED.as_of
     WHERE balances.as_of <= EXCLUDED.as_of RETURNING points`,
    [tenantId, partnerId, contactId, known.points, known.asOf],
  );
  if (!rows.length) return;
  await withinRedisDeadline(ports.redis.set(cacheKey(ports, tenantId, partnerId, contactId), JSON.stringify(known), { EX: 30 * 86400 })).catch((err: unknown) => {
    ports.logger.warn({ err, tenantId, partnerId }, 'balance not copied to Redis (unavailable): PostgreSQL has it');
  });
}

/** The copy in Redis, else PostgreSQL's: for the quick answer while a balance is fresh. */
async function lastKnown(ports: Ports, tenantId: string, partnerId: string, contactId: string): Promise<Known | undefined> {
  const cached = await withinRedisDeadline(ports.redis.get(cacheKey(ports, tenantId, partnerId, contactId))).catch(() => null);
  if (cached) return JSON.parse(cached) as Known;
  return remembered(ports, tenantId, partnerId, contactId);
}

/** The newest balance the partner told us: a copy in Redis can be older, if Redis was away when it came. */
async function remembered(ports: Ports, tenantId: string, partnerId: string, contactId: string): Promise<Known | undefined> {
  const [row] = await sql<{ points: number; as_of: Date }>(
    ports.db,
    `SELECT points, as_of FROM balances WHERE tenant_id = $1 AND partner_id = $2 AND contact_id = $3`,
    [tenantId, partnerId, contactId],
  );
  return row ? { points: row.points, asOf: row.as_of.toISOString() } : undefined;
}

const answer = (p: PartnerRecord, contactId: string, known: Known, stale: boolean): PartnerBalance => ({
  partnerId: p.partnerId,
  contactId,
  points: known.points,
  value: { amountMinor: pointsValue(known.points, p.conversion), currency: p.conversion.currency },
  wording: p.wording,
  stale,
  asOf: known.asOf,
});

/**
 * A contact's partner points and their value. Asked of the partner unless a fresh copy is in
 * the cache; when the partner cannot answer, the last balance it gave is returned marked stale,
 * and with none known the answer is UNAVAILABLE: never an invented zero.
 */
export async function getBalance(ctx: UseCaseContext, ports: Ports, partnerId: string, contactId: string): Promise<PartnerBalance> {
  return balanceWith(ctx, ports, await requirePartner(ports.db, ctx, partnerId), contactId);
}

async function balanceWith(ctx: UseCaseContext, ports: Ports, partner: PartnerRecord, contactId: string): Promise<PartnerBalance> {
  const partnerId = partner.partnerId;
  const cached = await lastKnown(ports, ctx.tenantId, partnerId, contactId);
  if (cached && ports.now().getTime() - Date.parse(cached.asOf) < ports.settings.balanceFreshMs) return answer(partner, contactId, cached, false);
  try {
    return answer(partner, contactId, await askedOnce(ctx, ports, partner, contactId), false);
  } catch (e) {
    if (!(e instanceof PartnerUnreachable) && !breakerOpen(e)) throw e;
    ctx.log.warn({ partnerId, err: (e as Error).message }, 'partner did not answer a balance: answering the last known one');
    const known = await remembered(ports, ctx.tenantId, partnerId, contactId);
    if (known) return answer(partner, contactId, known, true);
    throw new DomainError('UNAVAILABLE', `${partner.name} is unavailable and no balance is known for this contact`, { partnerId });
  }
}

/**
 * The partner's asks in flight in this replica, by tenant, partner and contact (the cache's key).
 * A fan's quotes come several at once (a cart changed twice, a page and its retry) and all find
 * the same copy just gone stale: they share one ask rather than each calling the partner.
 */
const asking = new Map<string, Promise<Known>>();

function askedOnce(ctx: UseCaseContext, ports: Ports, partner: PartnerRecord, contactId: string): Promise<Known> {
  const key = cacheKey(ports, ctx.tenantId, partner.partnerId, contactId);
  let asked = asking.get(key);
  if (!asked) {
    asked = askPartner(ctx, ports, partner, contactId).finally(() => asking.delete(key));
    asking.set(key, asked);
  }
  return asked;
}

/** Asks the partner for the contact's balance and remembers it. */
async function askPartner(ctx: UseCaseContext, ports: Ports, partner: PartnerRecord, contactId: string): Promise<Known> {
  const reply = await ports.api.call(endpointOf(partner, ports.now()), {
    method: 'GET',
    path: `/v1/members/${encodeURIComponent(contactId)}/balance`,
    messageId: newId(),
  });
  if (reply.status === 404) throw new DomainError('PARTNER_MEMBER_UNKNOWN', `Contact ${contactId} is not a member of ${partner.name}`);
  const body = reply.body as { points?: unknown } | undefined;
  if (reply.status !== 200 || !Number.isInteger(body?.points)) {
    throw new DomainError('PARTNER_REJECTED', `${partner.name} answered the balance with HTTP ${reply.status}`);
  }
  const known = { points: body!.points as number, asOf: ports.now().toISOString() };
  await rememberBalance(ports.db, ports, ctx.tenantId, partner.partnerId, contactId, known);
  return known;
}

/**
 * The contact's balance with each active partner of the tenant, asked in parallel: a partner
 * down with no balance known for the contact is unavailable (the fan is told, not shown a zero);
 * a contact who is not a member, or a partner that refuses, is left out.
 */
export async function contactBalances(ctx: UseCaseContext, ports: Ports, contactId: string): Promise<{ balances: PartnerBalance[]; unavailable: string[] }> {
  const partners = await listPartners(ports.db, ctx.tenantId, true);
  type Answer = { balance?: PartnerBalance; unavailable?: string };
  const answers = await Promise.all(
    partners.map((p) =>
      balanceWith(ctx, ports, p, contactId).then(
        (balance): Answer => ({ balance }),
        (e: unknown): Answer => {
          if (!(e instanceof DomainError)) throw e;
          return e.code === 'UNAVAILABLE' ? { unavailable: p.partnerId } : {};
        },
      ),
    ),
  );
  return {
    balances: answers.flatMap((a) => (a.balance ? [a.balance] : [])),
    unavailable: answers.flatMap((a) => (a.unavailable ? [a.unavailable] : [])),
  };
}
