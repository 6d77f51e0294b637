import { compiled, type EventContract, type EventData, type EventEnvelope } from '@tlp/contracts';
import type { JetStreamClient, PubAck } from 'nats';
import { JSONCodec } from 'nats';
import type { DataSource } from 'typeorm';
import type { Tx } from './database';
import { newId } from './ids';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

const json = JSONCodec();

export interface NewEvent<E extends EventContract = EventContract> {
  contract: E;
  tenantId: string;
  data: EventData<E>;
  id?: string;
  occurredAt?: Date;
}

/**
 * Writes events in the caller's transaction: they exist exactly when the state change that
 * caused them commits. A payload that does not fit its contract is a bug and throws.
 */
export async function enqueueEvents(tx: Tx, events: NewEvent[]): Promise<EventEnvelope[]> {
  if (events.length === 0) return [];
  const envelopes = events.map((e) => {
    const data = compiled(e.contract.data).parse(e.data);
    return {
      id: e.id ?? newId(),
      tenantId: e.tenantId,
      occurredAt: (e.occurredAt ?? new Date()).toISOString(),
      type: e.contract.type,
      data,
    } satisfies EventEnvelope;
  });
  await tx.query(
    `INSERT INTO outbox (id, type, tenant_id, envelope)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`,
    [
      envelopes.map((e) => e.id),
      envelopes.map((e) => e.type),
      envelopes.map((e) => e.tenantId),
      envelopes.map((e) => JSON.stringify(e)),
    ],
  );
  outboxWritten();
  return envelopes;
}

/** The relays running in this process, hurried when this process writes to its outbox. */
const relaysHere = new Set<OutboxRelay>();

/**
 * Tells this process's relays that an outbox row was just written (or is about to commit), so
 * they look within their base interval instead of their idle back-off. Rows written by another
 * replica are found by that replica's relay, or by this one within its longest idle interval.
 */
export function outboxWritten(): void {
  for (const relay of relaysHere) relay.hurry();
}

export function enqueueEvent<E extends EventContract>(tx: Tx, event: NewEvent<E>): Promise<EventEnvelope[]> {
  return enqueueEvents(tx, [event as NewEvent]);
}

export type Publish = (subject: string, payload: Uint8Array, msgId: string) => Promise<PubAck>;

export interface OutboxRelayOptions {
  db: DataSource;
  js: JetStreamClient;
  subjectPrefix: string;
  logger: Logger;
  metrics?: Metrics;
  batchSize?: number;
  /** How soon the relay looks again after a batch, or after this process wrote an event. */
  idleMs?: number;
  /** The longest wait between looks when nothing is written: empty looks double the wait up to this. */
  maxIdleMs?: number;
  /** Keep published rows this long for inspection, then delete them. */
  retentionMs?: number;
  /** Replaces the JetStream publish (tests wrap it to crash mid-batch). */
  publish?: Publish;
}

/**
 * Publishes committed outbox rows in id order with `Nats-Msg-Id = event id`, then marks them.
 * A crash between publish and mark republishes the same ids: JetStream drops them inside its
 * duplicate window and consumers' inboxes drop them after it. Rows are claimed with
 * FOR UPDATE SKIP LOCKED, so relays in several replicas never publish the same batch at once.
 * An idle relay costs one indexed probe per look and looks less and less often (an idle platform
 * of six services polled its outboxes 120 times a second, three statements each), until this
 * process writes an event.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private hurryUp?: () => void;
  private lastCleanup = 0;
  private backoffMs: number;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly maxIdleMs: number;
  private readonly retentionMs: number;
  private readonly publish: Publish;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.idleMs = opts.idleMs ?? 50;
    this.maxIdleMs = Math.max(this.idleMs, opts.maxIdleMs ?? 1000);
    this.backoffMs = this.idleMs;
    this.retentionMs = opts.retentionMs ?? 3_600_000;
    this.publish = opts.publish ?? ((subject, payload, msgId) => opts.js.publish(subject, payload, { msgID: msgId }));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    relaysHere.add(this);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    relaysHere.delete(this);
    this.wake?.();
    await this.loop;
  }

  /** Looks within the base interval from now, and starts the back-off again from there. */
  hurry(): void {
    this.backoffMs = this.idleMs;
    this.hurryUp?.();
  }

  /** Publishes one batch; returns how many events went out. */
  async relayOnce(): Promise<number> {
    const [waiting] = (await this.opts.db.query(`SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT 1`)) as unknown[];
    if (!waiting) return 0;
    return this.opts.db.transaction(async (tx) => {
      const rows: { id: string; type: string; envelope: EventEnvelope }[] = await tx.query(
        `SELECT id, type, envelope FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      // Publishes are pipelined on one connection, so the server receives them in id order.
      await Promise.all(rows.map((r) => this.publish(this.opts.subjectPrefix + r.type, json.encode(r.envelope), r.id)));
      await tx.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const sent = await this.relayOnce();
        failures = 0;
        await this.cleanupAndMeasure();
        if (sent === this.batchSize) continue;
        if (sent > 0) this.backoffMs = this.idleMs;
        const wait = this.backoffMs;
        this.backoffMs = Math.min(this.maxIdleMs, this.backoffMs * 2);
        await this.sleep(wait);
      } catch (e) {
        failures++;
        this.opts.logger.warn({ err: e, failures }, 'outbox relay failed, will retry');
        // Not hurried by writes: a relay that cannot reach NATS or PostgreSQL keeps backing off.
        await this.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), false);
      }
    }
  }

  private async cleanupAndMeasure(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 5000) return;
    this.lastCleanup = now;
    await this.opts.db.query(`DELETE FROM outbox WHERE published_at < now() - $1::interval`, [`${this.retentionMs} milliseconds`]);
    if (!this.opts.metrics) return;
    const [row] = (await this.opts.db.query(
      `SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS lag
       FROM outbox WHERE published_at IS NULL`,
    )) as { pending: number; lag: number }[];
    this.opts.metrics.outboxPending.set(row?.pending ?? 0);
    this.opts.metrics.outboxLagSeconds.set(row?.lag ?? 0);
  }

  private sleep(ms: number, hurriable = true): Promise<void> {
    return new Promise((resolve) => {
      let until = Date.now() + ms;
      let t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
      // Only ever brings the wake-up closer: a stream of writes must not keep pushing it back.
      this.hurryUp = hurriable
        ? () => {
            const sooner = Date.now() + this.idleMs;
            if (sooner >= until) return;
            clearTimeout(t);
            until = sooner;
            t = setTimeout(resolve, this.idleMs);
          }
        : undefined;
    });
  }
}
