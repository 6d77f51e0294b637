import { headers as natsHeaders, JSONCodec, type MsgHdrs, type NatsConnection } from 'nats';
import { z } from 'zod';
import { RequestContext } from './common';
import { DomainError } from './errors';
import { compiled, describeIssues, ReplyEnvelope, type ReplyOf, type RequestContract, type RequestOf } from './rpc';

const json = JSONCodec();

export const ContextHeaders = {
  tenantId: 'Tenant-Id',
  requestId: 'Request-Id',
  actor: 'Actor',
  idempotencyKey: 'Idempotency-Key',
  /** How long the caller waits for the reply, in ms: relative, so the clocks of two machines need not agree. */
  timeoutMs: 'Timeout-Ms',
} as const;

export function contextToHeaders(ctx: RequestContext, timeoutMs?: number): MsgHdrs {
  const h = natsHeaders();
  h.set(ContextHeaders.tenantId, ctx.tenantId);
  h.set(ContextHeaders.requestId, ctx.requestId);
  if (ctx.actor) h.set(ContextHeaders.actor, JSON.stringify(ctx.actor));
  if (ctx.idempotencyKey) h.set(ContextHeaders.idempotencyKey, ctx.idempotencyKey);
  if (timeoutMs !== undefined) h.set(ContextHeaders.timeoutMs, String(Math.max(0, Math.floor(timeoutMs))));
  return h;
}

/**
 * When the caller stops waiting: the time it said it waits, counted from `receivedAt` (ms on the
 * receiving process's clock, `performance.now()` in the kit). Undefined when it did not say (a
 * caller from before).
 */
export function deadlineFromHeaders(h: MsgHdrs | undefined, receivedAt: number): number | undefined {
  const raw = h?.get(ContextHeaders.timeoutMs);
  if (!raw) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new DomainError('VALIDATION_FAILED', 'Timeout-Ms header is not a whole number of milliseconds');
  return receivedAt + Number(raw);
}

/** Reads the context a caller put in the headers; a message without a valid one is refused. */
export function contextFromHeaders(h: MsgHdrs | undefined): RequestContext {
  const actorRaw = h?.get(ContextHeaders.actor);
  let actor: unknown;
  try {
    actor = actorRaw ? JSON.parse(actorRaw) : undefined;
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'Actor header is not JSON');
  }
  const parsed = compiled(RequestContext).safeParse({
    tenantId: h?.get(ContextHeaders.tenantId) || undefined,
    requestId: h?.get(ContextHeaders.requestId) || undefined,
    actor,
    idempotencyKey: h?.get(ContextHeaders.idempotencyKey) || undefined,
  });
  if (!parsed.success) {
    throw new DomainError('VALIDATION_FAILED', 'Request context headers are invalid', describeIssues(parsed.error));
  }
  return parsed.data;
}

/** A request sent together with others of its subject and tenant: its own context, and its payload. */
const TogetherItem = RequestContext.omit({ tenantId: true }).extend({ data: z.unknown() });
type TogetherItem = z.infer<typeof TogetherItem>;

/** The subject on which a `together` contract's requests travel several to a message. */
export const togetherSubject = (subject: string) => `${subject}.together`;
/** Most requests in one message: bounds its size and the arrays of the batch statement behind it. */
export const TOGETHER_MAX = 64;
export const TogetherRequest = z.object({ items: z.array(TogetherItem).min(1).max(TOGETHER_MAX) });
/** One reply per request, in the order of the requests (each checked as its request's reply). */
export const TogetherReply = z.object({ items: z.array(z.unknown()) });

export interface BusOptions {
  /** Prepended to every subject: lets several platforms (or test files) share one NATS server. */
  subjectPrefix?: string;
  timeoutMs?: number;
  /** Where a reply that breaks its contract is reported, with its issues (pino's logger fits). */
  logger?: { error(details: Record<string, unknown>, message: string): void };
}

interface Waiting {
  item: TogetherItem;
  settle(envelope: unknown): void;
  fail(e: unknown): void;
}

/**
 * The typed request helper. Each message is checked once, where it arrives: the payload by the
 * service that receives it (here the compiler checks its type), the reply here, before it is
 * returned. Checking both ends of every hop as well doubled the parsing of every request, and
 * zod's parsing was half the gateway's allocation per quote (docs/performance.md, tenth session).
 * Error replies become DomainError with the service's stable code. Each request tells the service
 * how long it waits (`Timeout-Ms`), so work still queued there after that is not started.
 *
 * Requests of a `together` contract asked in one turn of the event loop for one tenant leave in
 * one message when there are several (each keeps its own request id, actor and reply), so a
 * gateway under load sends a service one message per turn rather than one per request.
 */
export class Bus {
  readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly logger: BusOptions['logger'];
  private readonly gathering = new Map<string, { subject: string; tenantId: string; timeoutMs: number; waiting: Waiting[] }>();
  private sendScheduled = false;

  constructor(
    readonly nc: NatsConnection,
    opts: BusOptions = {},
  ) {
    this.prefix = opts.subjectPrefix ?? '';
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.logger = opts.logger;
  }

  subject(name: string): string {
    return this.prefix + name;
  }

  async request<C extends RequestContract>(
    contract: C,
    ctx: RequestContext,
    payload: RequestOf<C>,
    opts: { timeoutMs?: number } = {},
  ): Promise<ReplyOf<C>> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const envelope = contract.together ? await this.gather(contract, ctx, payload, timeoutMs) : await this.send(contract.subject, ctx, payload, timeoutMs);
    return this.replyData(contract, envelope);
  }

  /** The data of a reply envelope, checked against the contract, or its error as a DomainError. */
  private replyData<C extends RequestContract>(contract: C, raw: unknown): ReplyOf<C> {
    const reply = compiled(ReplyEnvelope).safeParse(raw);
    const data = reply.success && reply.data.ok ? compiled(contract.reply).safeParse(reply.data.data) : undefined;
    if (!reply.success || data?.success === false) {
      // A service's bug or a version skew: what broke is logged here; the caller learns only
      // that the request failed.
      this.logger?.error({ subject: contract.subject, issues: (reply.error ?? data?.error)?.issues }, 'reply breaks its contract');
      throw new DomainError('INTERNAL', 'Internal error');
    }
    if (!reply.data.ok) {
      const { code, message, details } = reply.data.error;
      throw new DomainError(code, message, details);
    }
    return data!.data as ReplyOf<C>;
  }

  private async send(subject: string, ctx: RequestContext, payload: unknown, timeoutMs: number): Promise<unknown> {
    try {
      const msg = await this.nc.request(this.subject(subject), json.encode(payload), { timeout: timeoutMs, headers: contextToHeaders(ctx, timeoutMs) });
      return json.decode(msg.data);
    } catch (e) {
      throw transportError(subject, e);
    }
  }

  private gather(contract: RequestContract, ctx: RequestContext, payload: unknown, timeoutMs: number): Promise<unknown> {
    const { tenantId, ...own } = ctx;
    const key = `${contract.subject} ${tenantId} ${timeoutMs}`;
    let group = this.gathering.get(key);
    if (!group) {
      group = { subject: contract.subject, tenantId, timeoutMs, waiting: [] };
      this.gathering.set(key, group);
    }
    const waiting = group.waiting;
    const reply = new Promise<unknown>((settle, fail) => waiting.push({ item: { ...own, data: payload }, settle, fail }));
    if (!this.sendScheduled) {
      this.sendScheduled = true;
      // After the I/O of this turn: the requests that arrived on other sockets in it join.
      setImmediate(() => this.sendGathered());
    }
    return reply;
  }

  private sendGathered(): void {
    this.sendScheduled = false;
    const groups = [...this.gathering.values()];
    this.gathering.clear();
    for (const { subject, tenantId, timeoutMs, waiting } of groups) {
      for (let i = 0; i < waiting.length; i += TOGETHER_MAX) {
        void this.sendTogether(subject, tenantId, timeoutMs, waiting.slice(i, i + TOGETHER_MAX));
      }
    }
  }

  private async sendTogether(subject: string, tenantId: string, timeoutMs: number, waiting: Waiting[]): Promise<void> {
    if (waiting.length === 1) {
      const [{ item, settle, fail }] = waiting as [Waiting];
      const { data, ...own } = item;
      await this.send(subject, { tenantId, ...own }, data, timeoutMs).then(settle, fail);
      return;
    }
    const first = waiting[0]!.item;
    let raw: unknown;
    try {
      raw = await this.send(togetherSubject(subject), { tenantId, requestId: first.requestId }, { items: waiting.map((w) => w.item) }, timeoutMs);
    } catch (e) {
      // No replica serves the together subject yet (one deployed before it did, during a rolling
      // update): each request goes alone, as it would have.
      if (e instanceof DomainError && e.code === 'UNAVAILABLE') {
        for (const w of waiting) void this.sendTogether(subject, tenantId, timeoutMs, [w]);
        return;
      }
      for (const w of waiting) w.fail(e);
      return;
    }
    const replies = compiled(TogetherReply).safeParse(raw);
    if (replies.success && replies.data.items.length === waiting.length) {
      waiting.forEach((w, i) => w.settle(replies.data.items[i]));
      return;
    }
    // A refusal of the whole message (its envelope) is every request's answer.
    for (const w of waiting) w.settle(raw);
  }
}

function transportError(subject: string, e: unknown): DomainError {
  const code = (e as { code?: string }).code;
  if (code === '503') return new DomainError('UNAVAILABLE', `No service answers ${subject}`);
  if (code === 'TIMEOUT') return new DomainError('TIMEOUT', `${subject} did not answer in time`);
  return new DomainError('UNAVAILABLE', `${subject} failed: ${(e as Error).message}`);
}

export const jsonCodec = json;
