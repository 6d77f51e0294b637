import { compiled, DomainError, EventEnvelope, type EventContract, type EventData, type RequestContext } from '@tlp/contracts';
import { JSONCodec, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from 'nats';
import type { DataSource } from 'typeorm';
import type { Tx } from './database';
import { ensureDurable } from './jetstream';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

const json = JSONCodec();

export interface ConsumedEvent<E extends EventContract = EventContract> {
  envelope: EventEnvelope<EventData<E>>;
  ctx: RequestContext;
}

/**
 * Reacts to one kind of event inside the consumer's transaction. `handleMany`, when given,
 * takes a whole batch of new events at once (one round trip for many); `handle` is used for
 * single events and to isolate a batch that failed.
 */
export interface EventHandler<E extends EventContract = EventContract> {
  contract: E;
  handle(tx: Tx, event: ConsumedEvent<E>): Promise<void>;
  handleMany?(tx: Tx, events: ConsumedEvent<E>[]): Promise<void>;
  /**
   * Batches applied at the same time (default 1). More than one only for a handler whose batches
   * commute and lock shared rows in one fixed order, so that two batches wait for each other
   * instead of deadlocking: then one batch's statements run while the next is being prepared.
   */
  batchesInFlight?: number;
}

export function onEvent<E extends EventContract>(
  contract: E,
  handle: EventHandler<E>['handle'],
  handleMany?: EventHandler<E>['handleMany'],
  options: { batchesInFlight?: number } = {},
): EventHandler {
  return { contract, handle, handleMany, ...options } as unknown as EventHandler;
}

export interface EventConsumerOptions {
  service: string;
  db: DataSource;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  handler: EventHandler;
  logger: Logger;
  metrics?: Metrics;
  maxBatch?: number;
  ackWaitMs?: number;
  maxDeliver?: number;
}

type Outcome = 'applied' | 'duplicate' | 'retry' | 'drop';

const BATCH_LINGER_MS = 20;

/**
 * A durable consumer of one event type. Messages are taken in batches and applied in one
 * transaction together with their inbox rows (consumer, event id) under a primary key, so a
 * redelivered event is a no-op; acks are sent only after that transaction commits.
 */
export class EventConsumer {
  readonly durable: string;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly maxBatch: number;
  private readonly maxDeliver: number;

  constructor(private readonly opts: EventConsumerOptions) {
    this.durable = `${opts.service}__${opts.handler.contract.type.replace(/[.]/g, '_')}`;
    this.maxBatch = opts.maxBatch ?? 256;
    this.maxDeliver = opts.maxDeliver ?? 20;
  }

  async start(): Promise<void> {
    const { jsm, js, stream } = this.opts;
    await ensureDurable(jsm, {
      stream,
      durable: this.durable,
      filterSubject: this.opts.subjectPrefix + this.opts.handler.contract.type,
      ackWaitMs: this.opts.ackWaitMs ?? 60_000,
      // Room for every batch in flight and the next ones buffered: at the limit the server stops
      // delivering and the pull waits for its expiry (a 30 s stall, measured with two in flight).
      maxAckPending: this.maxBatch * 4 * Math.max(1, this.opts.handler.batchesInFlight ?? 1),
      maxDeliver: this.maxDeliver,
    });
    const consumer = await js.consumers.get(stream, this.durable);
    this.messages = await consumer.consume({ max_messages: this.maxBatch * 2 });
    this.loop = this.run(this.messages);
  }

  /** Stops taking messages and waits for the batch in hand to commit and be acknowledged. */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    let batch: JsMsg[] = [];
    let lingering: NodeJS.Timeout | undefined;
    const inFlight = new Set<Promise<void>>();
    const limit = Math.max(1, this.opts.handler.batchesInFlight ?? 1);
    const flush = async (): Promise<void> => {
      clearTimeout(lingering);
      lingering = undefined;
      const current = batch;
      batch = [];
      if (current.length === 0) return;
      while (inFlight.size >= limit) await Promise.race(inFlight);
      const applying: Promise<void> = this.process(current).finally(() => inFlight.delete(applying));
      inFlight.add(applying);
    };
    // Messages arrive while earlier batches commit; they form the next batch (group commit).
    for await (const msg of messages) {
      batch.push(msg);
      // getPending() counts the message in hand too: 1 means nothing else is waiting. It also
      // counts heartbeats not yet filtered out, so a partial batch could wait for messages that
      // never come: the lingering timer sends it anyway.
      if (batch.length >= this.maxBatch || messages.getPending() <= 1) await flush();
      else lingering ??= setTimeout(() => void flush(), BATCH_LINGER_MS);
    }
    await flush();
    await Promise.all(inFlight);
  }

  private async process(msgs: JsMsg[]): Promise<void> {
    const parsed = msgs.map((m) => this.parse(m));
    const valid = parsed.filter((p): p is { msg: JsMsg; event: ConsumedEvent } => p.event !== undefined);
    for (const p of parsed) if (!p.event) this.settle(p.msg, 'drop');
    if (valid.length === 0) return;
    try {
      const outcomes = await this.applyBatch(valid.map((v) => v.event));
      valid.forEach((v, i) => this.settle(v.msg, outcomes[i] ?? 'retry'));
    } catch (batchError) {
      this.opts.logger.warn({ err: batchError, size: valid.length }, 'batch failed, applying its events one by one');
      for (const v of valid) this.settle(v.msg, await this.applyOne(v.msg, v.event));
    }
  }

  private parse(msg: JsMsg): { msg: JsMsg; event?: ConsumedEvent } {
    let raw: unknown;
    try {
      raw = json.decode(msg.data);
    } catch {
      this.opts.logger.error({ subject: msg.subject }, 'event is not JSON: dropped');
      return { msg };
    }
    const env = compiled(EventEnvelope).safeParse(raw);
    const data = env.success ? compiled(this.opts.handler.contract.data).safeParse(env.data.data) : undefined;
    if (!env.success || !data?.success) {
      this.opts.logger.error({ subject: msg.subject, issues: (env.error ?? data?.error)?.issues }, 'event breaks its contract: dropped');
      return { msg };
    }
    const envelope = { ...env.data, data: data.data };
    return { msg, event: { envelope, ctx: { tenantId: envelope.tenantId, requestId: envelope.id } } };
  }

  private async applyBatch(events: ConsumedEvent[]): Promise<Outcome[]> {
    const { handler } = this.opts;
    return this.opts.db.transaction(async (tx) => {
      const fresh = new Set(
        (
          (await tx.query(
            `INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])
             ON CONFLICT DO NOTHING RETURNING event_id`,
            [this.durable, events.map((e) => e.envelope.id)],
          )) as { event_id: string }[]
        ).map((r) => r.event_id),
      );
      // The same id twice in one batch: only its first copy is fresh.
      const seen = new Set<string>();
      const todo = events.filter((e) => fresh.has(e.envelope.id) && !seen.has(e.envelope.id) && seen.add(e.envelope.id));
      if (handler.handleMany && todo.length > 1) await handler.handleMany(tx, todo);
      else for (const e of todo) await handler.handle(tx, e);
      const applied = new Set(todo);
      return events.map((e) => (applied.has(e) ? 'applied' : 'duplicate'));
    });
  }

  private async applyOne(msg: JsMsg, event: ConsumedEvent): Promise<Outcome> {
    try {
      const [outcome] = await this.applyBatch([event]);
      return outcome ?? 'retry';
    } catch (e) {
      const last = msg.info.redeliveryCount >= this.maxDeliver;
      const expected = e instanceof DomainError;
      this.opts.logger[last || !expected ? 'error' : 'warn'](
        { err: e, eventId: event.envelope.id, type: event.envelope.type, attempt: msg.info.redeliveryCount },
        last ? 'event failed on its last delivery: kept in failed_events' : 'event failed, will be redelivered',
      );
      if (!last) return 'retry';
      await this.opts.db
        .query(
          `INSERT INTO failed_events (consumer, event_id, envelope, error) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [this.durable, event.envelope.id, JSON.stringify(event.envelope), String((e as Error).message)],
        )
        .catch((err: unknown) => this.opts.logger.error({ err }, 'could not record failed event'));
      return 'drop';
    }
  }

  private settle(msg: JsMsg, outcome: Outcome): void {
    this.opts.metrics?.events.inc({ type: this.opts.handler.contract.type, outcome });
    if (outcome === 'retry') msg.nak(Math.min(30_000, 500 * 2 ** Math.min(msg.info.redeliveryCount, 6)));
    else if (outcome === 'drop') msg.term();
    else msg.ack();
  }
}
