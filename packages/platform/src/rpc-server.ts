import {
  contextFromHeaders,
  describeIssues,
  DomainError,
  jsonCodec,
  type ErrorBody,
  type ParsedRequestOf,
  type ReplyOf,
  type RequestContext,
  type RequestContract,
} from '@tlp/contracts';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface HandlerContext extends RequestContext {
  log: Logger;
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
      const sub = this.opts.nc.subscribe(this.opts.subjectPrefix + h.contract.subject, {
        queue: this.opts.service,
        callback: (err, msg) => {
          if (err) {
            this.opts.logger.error({ err }, 'subscription error');
            return;
          }
          const p = this.answer(h, msg).finally(() => this.inFlight.delete(p));
          this.inFlight.add(p);
        },
      });
      this.subs.push(sub);
    }
  }

  /** Stops taking requests (replicas take over), then waits for those in flight to be answered. */
  async stop(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.drain().catch(() => undefined)));
    await Promise.all([...this.inFlight]);
  }

  private async answer(h: RequestHandler, msg: Msg): Promise<void> {
    const started = process.hrtime.bigint();
    const subject = h.contract.subject;
    let outcome = 'ok';
    let body: { ok: true; data: unknown } | { ok: false; error: ErrorBody };
    // The request's logger is made when first used: most requests log nothing.
    let requestLog: Logger | undefined;
    let bound: Record<string, string> = { subject };
    const log = () => (requestLog ??= this.opts.logger.child(bound));
    try {
      const ctx = contextFromHeaders(msg.headers);
      bound = { tenantId: ctx.tenantId, requestId: ctx.requestId, subject };
      let raw: unknown;
      try {
        raw = msg.data.length ? jsonCodec.decode(msg.data) : {};
      } catch {
        throw new DomainError('VALIDATION_FAILED', 'Payload is not JSON');
      }
      const input = h.contract.request.safeParse(raw);
      if (!input.success) {
        throw new DomainError('VALIDATION_FAILED', `Payload does not fit ${subject}`, describeIssues(input.error));
      }
      const result = await h.handle(
        {
          ...ctx,
          get log() {
            return log();
          },
        },
        input.data,
      );
      const reply = h.contract.reply.safeParse(result);
      if (!reply.success) {
        log().error({ issues: reply.error.issues }, 'handler reply breaks its contract');
        throw new Error(`reply of ${subject} breaks its contract`);
      }
      body = { ok: true, data: reply.data };
    } catch (e) {
      if (e instanceof DomainError) {
        outcome = e.code;
        body = { ok: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
      } else {
        outcome = 'INTERNAL';
        log().error({ err: e }, 'request failed');
        body = { ok: false, error: { code: 'INTERNAL', message: 'Internal error' } };
      }
    }
    if (msg.reply) msg.respond(jsonCodec.encode(body));
    this.opts.metrics?.requests.observe({ subject, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
