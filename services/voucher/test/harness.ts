import { Bus, DomainError, vouchersSell, type RequestOf } from '@tlp/contracts';
import { sql, startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext, type Infra, type Isolation } from '@tlp/testkit';
import { randomUUID } from 'node:crypto';
import type { Ports } from '../src/app/ports';
import { VoucherConfig } from '../src/config';
import { voucherService } from '../src/service';

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface Harness {
  infra: Infra;
  iso: Isolation;
  service: RunningService<typeof VoucherConfig._output>;
  nc: NatsConnection;
  bus: Bus;
  /** The use cases' ports on the running service's connections, with a clock the test moves. */
  ports: Ports & { clock: { now: Date } };
  stop(): Promise<void>;
}

export async function startHarness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const i = await infra();
  const iso = isolation(label);
  const service = await startService(voucherService, serviceEnv(i, iso, env));
  const nc = await connectNats(i);
  const { deps } = service;
  const clock = { now: new Date() };
  const ports = {
    db: deps.db,
    redis: deps.redis,
    keys: deps.keys,
    logger: deps.logger,
    metrics: deps.metrics,
    now: () => clock.now,
    clock,
    settings: {
      holdTtlMs: deps.config.VOUCHER_HOLD_TTL_MS,
      pin: { maxAttempts: deps.config.VOUCHER_PIN_MAX_ATTEMPTS, lockSeconds: deps.config.VOUCHER_PIN_LOCK_SECONDS },
    },
  };
  return {
    infra: i,
    iso,
    service,
    nc,
    bus: new Bus(nc, { subjectPrefix: iso.subjectPrefix }),
    ports,
    stop: async () => {
      await nc.close();
      await service.stop();
      await cleanUp(i, iso);
    },
  };
}

export const ctxOf = (tenantId: string) => testContext(tenantId, { roles: ['operator'] });

export const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

export async function sell(h: Harness, tenantId: string, over: Partial<RequestOf<typeof vouchersSell>> = {}) {
  return h.bus.request(vouchersSell, ctxOf(tenantId), { saleId: randomUUID(), valueMinor: 50_000, currency: 'EUR', validUntil: inDays(365), ...over });
}

/** The stable code a refused call carries. */
export async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  throw new Error('expected a refusal, the call succeeded');
}

export async function ledgerSum(h: Harness, tenantId: string, accountId: string): Promise<{ sum: number; balance: number; entries: number }> {
  const [row] = await sql<{ sum: string; balance: string; entries: string }>(
    h.service.deps.db,
    `SELECT (SELECT coalesce(sum(delta_minor), 0) FROM ledger WHERE tenant_id = $1 AND account_id = $2) AS sum,
            (SELECT balance_minor FROM accounts WHERE tenant_id = $1 AND id = $2) AS balance,
            (SELECT count(*) FROM ledger WHERE tenant_id = $1 AND account_id = $2) AS entries`,
    [tenantId, accountId],
  );
  return { sum: Number(row?.sum), balance: Number(row?.balance), entries: Number(row?.entries) };
}

export async function outboxCount(h: Harness, type: string, tenantId: string): Promise<number> {
  const [row] = await sql<{ n: string }>(h.service.deps.db, `SELECT count(*) AS n FROM outbox WHERE type = $1 AND tenant_id = $2`, [type, tenantId]);
  return Number(row?.n);
}
