import { z } from 'zod';
import { TenantId, Timestamp, Uuid } from './common';

/** What every event on the EVENTS stream looks like. `id` is a UUIDv7 and the JetStream Nats-Msg-Id. */
export const EventEnvelope = z.object({
  id: Uuid,
  tenantId: TenantId,
  occurredAt: Timestamp,
  type: z.string().regex(/^evt\.[a-z0-9-]+\.[a-z0-9-]+$/),
  data: z.unknown(),
});
export type EventEnvelope<D = unknown> = Omit<z.infer<typeof EventEnvelope>, 'data'> & { data: D };

export interface EventContract<T extends string = string, D extends z.ZodType = z.ZodType> {
  type: T;
  data: D;
}

export function defineEvent<const T extends string, D extends z.ZodType>(type: T, data: D): EventContract<T, D> {
  return { type, data };
}

export type EventData<E extends EventContract> = z.output<E['data']>;
