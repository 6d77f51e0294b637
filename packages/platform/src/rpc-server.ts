import {
  compiled,
  contextFromHeaders,
  deadlineFromHeaders,
  describeIssues,
  DomainError,
  jsonCodec,
  type ErrorBody,
  type ParsedRequestOf,
  type ReplyOf,
  type RequestContext,
  type RequestContract,
  TogetherRequest,
  togetherSubject,
} from '@tlp/contracts';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { databaseBusy } from './database';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface HandlerContext extends RequestContext {
  log: Logger;
  /**
   * When the caller stops waiting for the reply, from its Timeout-Ms header, on `performance.now()`'s
   * clock (which no adjustment of the system clock moves): the gate and turns skip work nobody
   * waits for any more. Undefined when the caller did not say.
   */
  deadline?: number;
}

export interface RequestHandler<C extends RequestContract = RequestContract> {
  contract: C;
  handle(ctx: HandlerContext, input: ParsedRequestOf<C>): Promise<ReplyOf<C>>;
}

/** Pairs a contract with its use case; the types of input and reply come from the contract. */
export function handle<C extends RequestContract>(contract: C, fn: RequestHandler<C>['handle']): RequestHandler {
  return { contract, handle: fn } as unknown as RequestHandler;
}

export interface RequestServerOptions {
  nc: NatsConnection;
  service: string;
  subjectPrefix: string;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * Serves request/reply subjects in the service's queue group. Input is checked against the
 * contract before the handler runs; a reply that breaks the contract is never sent. Typed
 * errors become `{ ok: false, error }` with their stable code; anything else is logged and
 * answered as INTERNAL without leaking details.
 */
export class RequestServer {
  private readonly subs: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: RequestServerOptions) {}

  serve(handlers: RequestHandler[]): void {
    for (const h of handlers) {
      this.subscribe(h.contract.subject, (msg) => this.answer(h, msg));
      if (h.contract.together) this.subscribe(togetherSubject(h.contract.subject), (msg) => this.answerTogether(h, msg));
    }
  }

  private subscribe(subject: string, answer: (msg: Msg) => Promise<void>): void {
    const sub = this.opts.nc.subscribe(this.opts.subjectPrefix + subject, {
      queue: this.opts.service,
      callback: (err, msg) => {
        if (err) {
          this.opts.logger.error({ err }, 'subscription error');
          return;
        }
        const p = answer(msg).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      },
    });
    this.subs.push(sub);
  }

  /** Stops taking requests (replicas take over), then waits for those in flight to be answered. */
  async stop(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.drain().catch(() => undefined)));
    await Promise.all([...this.inFlight]);
  }

  private async answer(h: RequestHandler, msg: Msg): Promise<void> {
    const started = process.hrtime.bigint();
    let body: ReplyBody;
    try {
      const deadline = deadlineFromHeaders(msg.headers, performance.now());
      body = await this.answerOne(h, contextFromHeaders(msg.headers), decodePayload(msg), deadline);
    } catch (e) {
      body = this.failure(e, { subject: h.contract.subject });
      this.record(h.contract.subject, body, started);
    }
    if (msg.reply) msg.respond(jsonCodec.encode(body));
  }

  /** Several requests of one tenant in one message: each answered as if alone, the replies in their order. */
  private async answerTogether(h: RequestHandler, msg: Msg): Promise<void> {
    const started = process.hrtime.bigint();
    let body: ReplyBody | { items: ReplyBody[] };
    try {
      const deadline = deadlineFromHeaders(msg.headers, performance.now());
      const ctx = contextFromHeaders(msg.headers);
      const together = compiled(TogetherRequest).safeParse(decodePayload(msg));
      if (!together.success) {
        throw new DomainError('VALIDATION_FAILED', `Payload does not fit ${togetherSubject(h.contract.subject)}`, describeIssues(together.error));
      }
      const items = together.data.items.map(({ data, ...own }) => this.answerOne(h, { tenantId: ctx.tenantId, ...own }, data, deadline));
      body = { items: await Promise.all(items) };
    } catch (e) {
      body = this.failure(e, { subject: togetherSubject(h.contract.subject) });
      this.record(h.contract.subject, body, started);
    }
    if (msg.reply) msg.respond(jsonCodec.encode(body));
  }

  /** One request's reply; it never throws: a failure is its reply. */
  private async answerOne(h: RequestHandler, ctx: RequestContext, raw: unknown, deadline: number | undefined): Promise<ReplyBody> {
    const started = process.hrtime.bigint();
    const subject = h.contract.subject;
    const bound = { tenantId: ctx.tenantId, requestId: ctx.requestId, subject };
    // The request's logger is made when first used: most requests log nothing.
    let requestLog: Logger | undefined;
    const log = () => (requestLog ??= this.opts.logger.child(bound));
    let body: ReplyBody;
    try {
      const input = compiled(h.contract.request).safeParse(raw);
      if (!input.success) {
        throw new DomainError('VALIDATION_FAILED', `Payload does not fit ${subject}`, describeIssues(input.error));
      }
      const result = await h.handle(
        {
          ...ctx,
          deadline,
          get log() {
            return log();
          },
        },
        input.data,
      );
      // Checked where it arrives (Bus.request), as the payload was checked here.
      body = { ok: true, data: result };
    } catch (e) {
      body = this.failure(e, bound, log);
    }
    this.record(subject, body, started);
    return body;
  }

  private record(subject: string, body: ReplyBody, started: bigint): void {
    this.opts.metrics?.requests.observe({ subject, outcome: body.ok ? 'ok' : body.error.code }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * A typed error keeps its code; a database too busy to connect is UNAVAILABLE (try again);
   * anything else is logged and answered as INTERNAL without its details.
   */
  private failure(e: unknown, bound: Record<string, string>, log = () => this.opts.logger.child(bound)): ReplyBody {
    const busy = databaseBusy(e);
    if (busy) log().warn({ err: e }, 'database busy');
    const typed = busy ?? e;
    if (typed instanceof DomainError) {
      return { ok: false, error: { code: typed.code, message: typed.message, ...(typed.details ? { details: typed.details } : {}) } };
    }
    log().error({ err: e }, 'request failed');
    return { ok: false, error: { code: 'INTERNAL', message: 'Internal error' } };
  }
}

type ReplyBody = { ok: true; data: unknown } | { ok: false; error: ErrorBody };

function decodePayload(msg: Msg): unknown {
  try {
    return msg.data.length ? jsonCodec.decode(msg.data) : {};
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'Payload is not JSON');
  }
}
