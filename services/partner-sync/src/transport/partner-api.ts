import { createBreaker, type Logger, type Metrics } from '@tlp/platform';
import type CircuitBreaker from 'opossum';
import { signMessage } from '../domain/signature';

/** How to reach one partner's API: its address, our credential and the secrets we sign with. */
export interface PartnerEndpoint {
  partnerId: string;
  apiBaseUrl: string;
  apiKey: string;
  signingSecrets: string[];
}

export interface PartnerCall {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Our message id: the `webhook-id` signed over and the `Idempotency-Key` the partner dedupes by. */
  messageId: string;
}

/** An answer the partner gave on purpose (2xx or a refusal such as 404 or 409). */
export interface PartnerReply {
  status: number;
  body: unknown;
}

/** The partner could not answer: unreachable, too slow, overloaded or broken (5xx, 408, 429). */
export class PartnerUnreachable extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PartnerUnreachable';
  }
}

/** opossum refuses calls while the breaker is open: nothing was sent. */
export const breakerOpen = (e: unknown): boolean => (e as { code?: string }).code === 'EOPENBREAKER';

const transient = (status: number) => status >= 500 || status === 408 || status === 425 || status === 429;

export interface PartnerApiOptions {
  timeoutMs: number;
  resetTimeoutMs: number;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * Our client of partners' APIs. One breaker per partner, kept for the life of the process so its
 * state accumulates; a down partner fails fast there and never holds up calls to another one.
 * Each call has its own timeout signal (a breaker's abort signal would be shared by every call
 * in flight).
 */
export class PartnerApi {
  private readonly breakers = new Map<string, CircuitBreaker<[PartnerEndpoint, PartnerCall], PartnerReply>>();

  constructor(private readonly opts: PartnerApiOptions) {}

  /** Creates the partner's breaker if it has none yet (at start for known partners, on set-up for new ones). */
  prepare(partnerId: string): CircuitBreaker<[PartnerEndpoint, PartnerCall], PartnerReply> {
    let breaker = this.breakers.get(partnerId);
    if (!breaker) {
      breaker = createBreaker((endpoint: PartnerEndpoint, call: PartnerCall) => this.send(endpoint, call), {
        name: `partner:${partnerId}`,
        // Our own fetch timeout fires first and counts as a failure; the breaker's is a backstop.
        timeoutMs: this.opts.timeoutMs + 500,
        resetTimeoutMs: this.opts.resetTimeoutMs,
        volumeThreshold: 3,
        errorThresholdPercentage: 50,
        logger: this.opts.logger,
        ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}),
      });
      this.breakers.set(partnerId, breaker);
    }
    return breaker;
  }

  call(endpoint: PartnerEndpoint, call: PartnerCall): Promise<PartnerReply> {
    return this.prepare(endpoint.partnerId).fire(endpoint, call);
  }

  isOpen(partnerId: string): boolean {
    return this.breakers.get(partnerId)?.opened ?? false;
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
    this.breakers.clear();
  }

  private async send(endpoint: PartnerEndpoint, call: PartnerCall): Promise<PartnerReply> {
    const body = call.body === undefined ? '' : JSON.stringify(call.body);
    const url = endpoint.apiBaseUrl.replace(/\/+$/, '') + call.path;
    let res: Response;
    try {
      res = await fetch(url, {
        method: call.method,
        headers: {
          authorization: `Bearer ${endpoint.apiKey}`,
          'idempotency-key': call.messageId,
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...signMessage(endpoint.signingSecrets, call.messageId, new Date(), body),
        },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (e) {
      throw new PartnerUnreachable(`${call.method} ${call.path}: ${(e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message}`);
    }
    const text = await res.text().catch(() => '');
    if (transient(res.status)) throw new PartnerUnreachable(`${call.method} ${call.path}: HTTP ${res.status}`, res.status);
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }
}
