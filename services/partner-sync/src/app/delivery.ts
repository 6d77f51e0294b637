import { DomainError, type DeliveryView, type deliveriesList, type ParsedRequestOf } from '@tlp/contracts';
import { deliveryView, dueDeliveries, listDeliveries, markDead, markDelivered, markRetry, requeueDead, type DeliveryRecord } from '../db/deliveries';
import { activeSecrets, findPartner, type PartnerRecord } from '../db/partners';
import { retryDelayMs } from '../domain/backoff';
import { breakerOpen, PartnerUnreachable, type PartnerEndpoint } from '../transport/partner-api';
import type { Ports, UseCaseContext } from './ports';

export const endpointOf = (p: PartnerRecord, now: Date): PartnerEndpoint => ({
  partnerId: p.partnerId,
  apiBaseUrl: p.apiBaseUrl,
  apiKey: p.apiKey,
  signingSecrets: activeSecrets(p, 'outbound', now),
});

type Outcome = 'delivered' | 'retry' | 'dead' | 'skipped';

/** Messages about the same member go out one after the other (a share before its earn). */
const memberOf = (d: DeliveryRecord): string => String(d.payload.externalRef ?? d.payload.authorisationId ?? d.deliveryId);

/** The next messages that may be in flight together: up to `width`, never two for one member. */
export function nextWave(queue: readonly DeliveryRecord[], width: number): DeliveryRecord[] {
  const wave: DeliveryRecord[] = [];
  const members = new Set<string>();
  for (const d of queue) {
    if (wave.length >= width || members.has(memberOf(d))) break;
    members.add(memberOf(d));
    wave.push(d);
  }
  return wave;
}

/**
 * The delivery job's engine. Each run takes the due messages of partners that are not busy and
 * starts one lane per partner: its messages in order, in waves of a few in flight at once, until
 * one fails (the rest wait for a later run) or the run budget is spent. Lanes are not awaited by the run, so a partner that hangs until
 * its timeout holds up only its own lane, never another partner's messages; while a partner's
 * breaker is open nothing is sent to it and no attempt is spent.
 */
export class DeliveryLanes {
  private readonly busy = new Map<string, Promise<void>>();
  private stopped = false;
  readonly counts: Record<Outcome, number> = { delivered: 0, retry: 0, dead: 0, skipped: 0 };

  constructor(private readonly ports: Ports) {}

  async run(): Promise<void> {
    if (this.stopped) return;
    const due = await dueDeliveries(this.ports.db, this.ports.settings.deliveryBatch, [...this.busy.keys()]);
    const byPartner = new Map<string, DeliveryRecord[]>();
    for (const d of due) byPartner.set(d.partnerId, [...(byPartner.get(d.partnerId) ?? []), d]);
    for (const [partnerId, queue] of byPartner) {
      const lane = this.lane(queue)
        .catch((err: unknown) => this.ports.logger.error({ err, partnerId }, 'delivery lane failed; next run retries'))
        .finally(() => this.busy.delete(partnerId));
      this.busy.set(partnerId, lane);
    }
  }

  /** Starts no more lanes and waits for those in flight (at shutdown). */
  async drain(): Promise<void> {
    this.stopped = true;
    while (this.busy.size) await Promise.all([...this.busy.values()]);
  }

  private async lane(queue: DeliveryRecord[]): Promise<void> {
    const first = queue[0]!;
    const partner = await findPartner(this.ports.db, first.tenantId, first.partnerId);
    // A partner switched off keeps its messages queued until it is switched on again.
    if (!partner?.active) return;
    const deadline = Date.now() + this.ports.settings.deliveryRunBudgetMs;
    let rest = queue;
    while (rest.length && Date.now() <= deadline) {
      const wave = nextWave(rest, this.ports.settings.deliveryWidth);
      rest = rest.slice(wave.length);
      const outcomes = await Promise.all(wave.map((d) => deliverOne(this.ports, partner, d)));
      // Marked in one statement: a crash before it resends them, and the partner's dedupe drops the copies.
      await markDelivered(this.ports.db, wave.filter((_, n) => outcomes[n] === 'delivered').map((d) => d.deliveryId));
      for (const o of outcomes) this.counts[o]++;
      if (outcomes.some((o) => o === 'retry' || o === 'skipped')) break;
    }
  }
}

/** A 404 means the member is not shared yet (its message may still be queued): retried, except for a release of nothing. */
const retryableRefusal = (d: DeliveryRecord, status: number) => status === 404 && d.kind !== 'member.share';
const satisfiedRefusal = (d: DeliveryRecord, status: number) => status === 404 && d.kind === 'spend.release';

async function deliverOne(ports: Ports, partner: PartnerRecord, d: DeliveryRecord): Promise<Outcome> {
  const log = ports.logger.child({ tenantId: d.tenantId, partnerId: d.partnerId, deliveryId: d.deliveryId, kind: d.kind });
  const attempt = d.attempts + 1;
  let error: string;
  try {
    const reply = await ports.api.call(endpointOf(partner, ports.now()), { method: d.method, path: d.path, body: d.payload, messageId: d.deliveryId });
    if ((reply.status >= 200 && reply.status < 300) || satisfiedRefusal(d, reply.status)) return 'delivered';
    error = `HTTP ${reply.status}: ${titleOf(reply.body)}`;
    if (!retryableRefusal(d, reply.status)) {
      // A refusal will not change by itself (bad credentials, invalid message): an operator looks at it.
      await markDead(ports.db, d.deliveryId, error);
      log.error({ attempt, error }, 'partner refused a message: dead-lettered');
      return 'dead';
    }
  } catch (e) {
    if (breakerOpen(e)) return 'skipped';
    if (!(e instanceof PartnerUnreachable)) throw e;
    error = e.message;
  }
  if (attempt >= ports.settings.retry.maxAttempts) {
    await markDead(ports.db, d.deliveryId, error);
    log.error({ attempt, error }, 'message failed on its last attempt: dead-lettered');
    return 'dead';
  }
  const delay = retryDelayMs(ports.settings.retry, attempt, Math.random());
  await markRetry(ports.db, d.deliveryId, delay, error);
  log.warn({ attempt, error, retryInMs: delay }, 'message not delivered, will retry');
  return 'retry';
}

function titleOf(body: unknown): string {
  const b = body as { title?: unknown; detail?: unknown } | undefined;
  return [b?.title, b?.detail].filter((x) => typeof x === 'string').join(' - ') || 'refused';
}

export async function listTenantDeliveries(ctx: UseCaseContext, ports: Ports, input: ParsedRequestOf<typeof deliveriesList>): Promise<{ deliveries: DeliveryView[] }> {
  return { deliveries: (await listDeliveries(ports.db, ctx.tenantId, input)).map(deliveryView) };
}

export async function replayDelivery(ctx: UseCaseContext, ports: Ports, deliveryId: string): Promise<DeliveryView> {
  const { record, exists } = await requeueDead(ports.db, ctx.tenantId, deliveryId);
  if (!exists) throw new DomainError('NOT_FOUND', `Delivery ${deliveryId} not found`);
  if (!record) throw new DomainError('PARTNER_DELIVERY_NOT_DEAD', `Delivery ${deliveryId} is not dead-lettered`);
  ctx.log.info({ deliveryId, kind: record.kind, partnerId: record.partnerId }, 'dead-lettered message replayed');
  return deliveryView(record);
}
