import { headers as natsHeaders, JSONCodec, type MsgHdrs, type NatsConnection } from 'nats';
import { RequestContext } from './common';
import { DomainError } from './errors';
import { describeIssues, ReplyEnvelope, type ReplyOf, type RequestContract, type RequestOf } from './rpc';

const json = JSONCodec();

export const ContextHeaders = {
  tenantId: 'Tenant-Id',
  requestId: 'Request-Id',
  actor: 'Actor',
  idempotencyKey: 'Idempotency-Key',
} as const;

export function contextToHeaders(ctx: RequestContext): MsgHdrs {
  const h = natsHeaders();
  h.set(ContextHeaders.tenantId, ctx.tenantId);
  h.set(ContextHeaders.requestId, ctx.requestId);
  if (ctx.actor) h.set(ContextHeaders.actor, JSON.stringify(ctx.actor));
  if (ctx.idempotencyKey) h.set(ContextHeaders.idempotencyKey, ctx.idempotencyKey);
  return h;
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
  const parsed = RequestContext.safeParse({
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

export interface BusOptions {
  /** Prepended to every subject: lets several platforms (or test files) share one NATS server. */
  subjectPrefix?: string;
  timeoutMs?: number;
}

/**
 * The typed request helper: the payload is checked against the contract before it leaves
 * (nothing is sent when it does not fit), and the reply is checked before it is returned.
 * Error replies become DomainError with the service's stable code.
 */
export class Bus {
  readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(
    readonly nc: NatsConnection,
    opts: BusOptions = {},
  ) {
    this.prefix = opts.subjectPrefix ?? '';
    this.timeoutMs = opts.timeoutMs ?? 5000;
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
    const checked = contract.request.safeParse(payload);
    if (!checked.success) {
      throw new DomainError('VALIDATION_FAILED', `Payload for ${contract.subject} does not fit its contract`, describeIssues(checked.error));
    }
    let raw: unknown;
    try {
      const msg = await this.nc.request(this.subject(contract.subject), json.encode(payload), {
        timeout: opts.timeoutMs ?? this.timeoutMs,
        headers: contextToHeaders(ctx),
      });
      raw = json.decode(msg.data);
    } catch (e) {
      throw transportError(contract.subject, e);
    }
    const reply = ReplyEnvelope.safeParse(raw);
    if (!reply.success) throw new DomainError('INTERNAL', `Malformed reply from ${contract.subject}`);
    if (!reply.data.ok) {
      const { code, message, details } = reply.data.error;
      throw new DomainError(code, message, details);
    }
    const data = contract.reply.safeParse(reply.data.data);
    if (!data.success) {
      throw new DomainError('INTERNAL', `Reply from ${contract.subject} does not fit its contract`, describeIssues(data.error));
    }
    return data.data as ReplyOf<C>;
  }
}

function transportError(subject: string, e: unknown): DomainError {
  const code = (e as { code?: string }).code;
  if (code === '503') return new DomainError('UNAVAILABLE', `No service answers ${subject}`);
  if (code === 'TIMEOUT') return new DomainError('TIMEOUT', `${subject} did not answer in time`);
  return new DomainError('UNAVAILABLE', `${subject} failed: ${(e as Error).message}`);
}

export const jsonCodec = json;
