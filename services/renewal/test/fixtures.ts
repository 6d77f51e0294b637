import { Bus, CreateLogicalConfiguration, CreatePerformance, CreatePhysicalConfiguration, CreateSeasonTicket, CreateSpace, PurchaseSeasonTickets, type EventContract, type EventData, type RequestContext, type SeatPosition } from '@tlp/contracts';
import { newId, sql, startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, type Infra, type Isolation } from '@tlp/testkit';
import { renewalService } from '../src/service';

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface Harness {
  infra: Infra;
  iso: Isolation;
  service: RunningService;
  nc: NatsConnection;
  bus: Bus;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  publish<E extends EventContract>(contract: E, tenantId: string, data: EventData<E>): Promise<string>;
  stop(): Promise<void>;
}

export async function startHarness(label: string, env: Record<string, string> = {}, iso = isolation(label)): Promise<Harness> {
  const i = await infra();
  const service = (await startService(renewalService, serviceEnv(i, iso, { RENEWAL_RUNS_EVERY_MS: '100', ...env }))) as RunningService;
  const nc = await connectNats(i);
  const js = nc.jetstream();
  return {
    infra: i,
    iso,
    service,
    nc,
    bus: new Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 15_000 }),
    query: (text, params = []) => sql(service.deps.db, text, params),
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

/** Seats `area-row-number` for each row and number 1..perRow; rank follows the list order. */
export const grid = (area: string, rows: string[], perRow: number): SeatPosition[] =>
  rows.flatMap((row) => Array.from({ length: perRow }, (_, n) => ({ area, row, number: String(n + 1) })));

export const pos = (label: string): SeatPosition => {
  const [area, row, number] = label.split('-') as [string, string, string];
  return { area, row, number };
};

export interface Layout {
  physicalConfigurationId: string;
  /** A logical configuration per category function, with performances on it. */
  performances(name: string, categoryOf: (s: SeatPosition) => string, count: number, firstDay: number): Promise<string[]>;
}

export async function space(bus: Bus, ctx: RequestContext, name = 'Grand Hall'): Promise<string> {
  return (await bus.request(CreateSpace, ctx, { name })).spaceId;
}

export async function layout(bus: Bus, ctx: RequestContext, spaceId: string, seats: SeatPosition[], name = 'layout'): Promise<Layout> {
  const { physicalConfigurationId } = await bus.request(CreatePhysicalConfiguration, ctx, { spaceId, name, seats });
  return {
    physicalConfigurationId,
    async performances(name, categoryOf, count, firstDay) {
      const { logicalConfigurationId } = await bus.request(CreateLogicalConfiguration, ctx, {
        physicalConfigurationId,
        name,
        seats: seats.map((s) => ({ ...s, category: categoryOf(s) })),
      });
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const startsAt = new Date(Date.UTC(2026, 0, firstDay + i, 19)).toISOString();
        ids.push((await bus.request(CreatePerformance, ctx, { logicalConfigurationId, name: `${name} ${i + 1}`, startsAt })).performanceId);
      }
      return ids;
    },
  };
}

export async function seasonTicket(bus: Bus, ctx: RequestContext, performanceIds: string[], quota = 100, type: 'fixed-seat' | 'calculated-price' = 'fixed-seat'): Promise<string> {
  return (await bus.request(CreateSeasonTicket, ctx, { name: `season ${newId().slice(-6)}`, type, quota: type === 'fixed-seat' ? quota : undefined, performanceIds })).seasonTicketId;
}

/** One box-office order per contact, in the given order (purchase order drives the batch). */
export async function buy(bus: Bus, ctx: RequestContext, seasonTicketId: string, sales: { contactId: string; category: string; seats: ({ physicalConfigurationId: string } & SeatPosition)[] }[]): Promise<void> {
  for (const s of sales) {
    await bus.request(PurchaseSeasonTickets, ctx, {
      orderId: `order-${newId()}`,
      seasonTicketId,
      tickets: [{ contactId: s.contactId, seatCategory: s.category, seats: s.seats }],
    });
  }
}
