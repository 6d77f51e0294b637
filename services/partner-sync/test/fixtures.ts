import { Bus, ContactRegistered, OrderCompleted, OrderRefunded, partnersCreate, type EventContract, type EventData, type RequestOf } from '@tlp/contracts';
import { listen, newId, startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext, type Infra, type Isolation } from '@tlp/testkit';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { partnerSyncService } from '../src/service';
import { createSimulator, type Simulator } from '../src/simulator/server';

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Retry delays in tens of milliseconds, so an outage and its recovery fit in a test. */
export const fastEnv = {
  DELIVERY_POLL_MS: '100',
  DELIVERY_BASE_DELAY_MS: '50',
  DELIVERY_BACKOFF_FACTOR: '2',
  DELIVERY_MAX_DELAY_MS: '400',
  DELIVERY_MAX_ATTEMPTS: '4',
  PARTNER_TIMEOUT_MS: '500',
  PARTNER_BREAKER_RESET_MS: '300',
  BALANCE_FRESH_MS: '0',
  HOLD_EXPIRY_POLL_MS: '200',
};

export interface RunningSimulator extends Simulator {
  url: string;
  close(): Promise<void>;
  setSwitches(s: Partial<Simulator['switches']>): void;
}

/** A partner simulator on its own port, over real HTTP. */
export async function startSimulator(): Promise<RunningSimulator> {
  const sim = createSimulator();
  const { server, port } = await listen(sim.app, 0, '127.0.0.1');
  return {
    ...sim,
    url: `http://127.0.0.1:${port}`,
    setSwitches: (s) => Object.assign(sim.switches, s),
    close: () =>
      new Promise<void>((resolve) => {
        (server as Server).closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Harness {
  infra: Infra;
  iso: Isolation;
  service: RunningService;
  nc: NatsConnection;
  bus: Bus;
  baseUrl: string;
  publish<E extends EventContract>(contract: E, tenantId: string, data: EventData<E> | Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export async function startHarness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const i = await infra();
  const iso = isolation(label);
  const service = await startService(partnerSyncService, serviceEnv(i, iso, { ...fastEnv, ...env }));
  const nc = await connectNats(i);
  const js = nc.jetstream();
  return {
    infra: i,
    iso,
    service: service as RunningService,
    nc,
    bus: new Bus(nc, { subjectPrefix: iso.subjectPrefix }),
    baseUrl: `http://127.0.0.1:${service.httpPort}`,
    async publish(contract, tenantId, data) {
      const id = newId();
      const envelope = { id, tenantId, occurredAt: new Date().toISOString(), type: contract.type, data };
      await js.publish(iso.subjectPrefix + contract.type, new TextEncoder().encode(JSON.stringify(envelope)), { msgID: id });
      return id;
    },
    async stop() {
      await service.stop();
      await nc.close();
      await cleanUp(i, iso);
    },
  };
}

export function partnerInput(sim: { url: string }, overrides: Partial<RequestOf<typeof partnersCreate>> = {}): RequestOf<typeof partnersCreate> {
  return {
    name: `Rewards4Rugby ${randomBytes(3).toString('hex')}`,
    apiBaseUrl: sim.url,
    apiKey: `key-${randomBytes(8).toString('hex')}`,
    inboundSecrets: [newSecret()],
    outboundSecrets: [newSecret()],
    wording: { en: 'Rewards4Rugby points', fr: 'points Rewards4Rugby' },
    conversion: { points: 100, amountMinor: 100, currency: 'GBP' },
    ...overrides,
  };
}

export const ctxOf = testContext;

export const contact = (contactId: string, seasonTicketHolder = false): EventData<typeof ContactRegistered> => ({
  contactId,
  email: `${contactId}@example.org`,
  firstName: 'Sam',
  lastName: 'Fan',
  seasonTicketHolder,
});

export function order(orderId: string, contactId: string, lines: { family: EventData<typeof OrderCompleted>['lines'][number]['productFamily']; paidMinor: number }[], extra: Partial<EventData<typeof OrderCompleted>> = {}) {
  return {
    orderId,
    contactId,
    channel: 'webshop',
    currency: 'GBP',
    totalPaidMinor: lines.reduce((s, l) => s + l.paidMinor, 0),
    lines: lines.map((l, n) => ({
      lineId: `l${n + 1}`,
      productId: `p-${l.family}`,
      productFamily: l.family,
      quantity: 1,
      unitPriceMinor: l.paidMinor,
      paidMinor: l.paidMinor,
      reductions: [],
      seats: [],
    })),
    payments: [{ method: 'card' as const, amountMinor: lines.reduce((s, l) => s + l.paidMinor, 0) }],
    completedAt: new Date().toISOString(),
    ...extra,
  } satisfies EventData<typeof OrderCompleted>;
}

export function refund(orderId: string, refundId: string, lines: { lineId: string; amountMinor: number }[], split: EventData<typeof OrderRefunded>['split'] = []) {
  const total = lines.reduce((s, l) => s + l.amountMinor, 0);
  return {
    orderId,
    refundId,
    currency: 'GBP',
    lines,
    totalRefundedMinor: total,
    split: split.length ? split : [{ method: 'card' as const, amountMinor: total }],
    reductions: [],
    refundedAt: new Date().toISOString(),
  } satisfies EventData<typeof OrderRefunded>;
}

export async function sql<T = Record<string, unknown>>(h: Harness, query: string, params: unknown[] = []): Promise<T[]> {
  return (await h.service.deps.db.query(query, params)) as T[];
}
