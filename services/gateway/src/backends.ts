import { DomainError, type Bus, type ReplyOf, type RequestContext, type RequestContract, type RequestOf } from '@tlp/contracts';
import { createBreaker, type Logger, type Metrics } from '@tlp/platform';
import type CircuitBreaker from 'opossum';

type Call = (contract: RequestContract, ctx: RequestContext, payload: unknown) => Promise<unknown>;

/** Codes that say the service itself is in trouble; every other typed error is the caller's business. */
const serviceFaults = new Set(['UNAVAILABLE', 'TIMEOUT', 'INTERNAL']);

/**
 * The services behind the gateway, each behind its own breaker: a service that stops answering
 * makes its routes fail fast with 503 + Retry-After while the others carry on.
 */
export class Backends {
  private readonly breakers = new Map<string, CircuitBreaker<Parameters<Call>, unknown>>();

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly timeoutMs = 3000,
  ) {}

  async call<C extends RequestContract>(contract: C, ctx: RequestContext, payload: RequestOf<C>): Promise<ReplyOf<C>> {
    try {
      return (await this.breakerFor(contract.subject).fire(contract, ctx, payload)) as ReplyOf<C>;
    } catch (e) {
      if (e instanceof DomainError) throw e;
      const code = (e as { code?: string }).code;
      const service = contract.subject.split('.')[0];
      if (code === 'EOPENBREAKER') throw new DomainError('UNAVAILABLE', `The ${service} service is unavailable; try again shortly`);
      throw e;
    }
  }

  private breakerFor(subject: string): CircuitBreaker<Parameters<Call>, unknown> {
    const service = subject.split('.')[0] ?? subject;
    let breaker = this.breakers.get(service);
    if (!breaker) {
      const call: Call = (contract, ctx, payload) => this.bus.request(contract, ctx, payload as never, { timeoutMs: this.timeoutMs });
      breaker = createBreaker(call, {
        name: `service:${service}`,
        // The bus request's own timeout is the deadline: it answers TIMEOUT itself.
        timeoutMs: false,
        resetTimeoutMs: 3000,
        volumeThreshold: 10,
        errorThresholdPercentage: 50,
        isCallerError: (e) => e instanceof DomainError && !serviceFaults.has(e.code),
        logger: this.logger,
        metrics: this.metrics,
      });
      this.breakers.set(service, breaker);
    }
    return breaker;
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }
}
