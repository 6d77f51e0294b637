import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from 'nats';

const isNotFound = (e: unknown): boolean => {
  const err = e as { api_error?: { code?: number }; code?: string; message?: string };
  return err.api_error?.code === 404 || err.code === '404' || /not found/i.test(err.message ?? '');
};

export interface StreamSpec {
  name: string;
  subjects: string[];
  replicas: number;
}

/** Creates the stream, or widens it to the subjects asked for; safe to call from every replica at once. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.streams.info(spec.name);
      const missing = spec.subjects.filter((s) => !info.config.subjects.includes(s));
      if (missing.length) await jsm.streams.update(spec.name, { ...info.config, subjects: [...info.config.subjects, ...missing] });
      return;
    } catch (e) {
      if (!isNotFound(e) || attempt > 3) throw e;
    }
    try {
      const config: Partial<StreamConfig> = {
        name: spec.name,
        subjects: spec.subjects,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        num_replicas: spec.replicas,
        // The broker's dedupe is a first line only: consumers dedupe by event id too.
        duplicate_window: nanos(2 * 60_000),
        max_age: nanos(7 * 24 * 3_600_000),
      };
      await jsm.streams.add(config);
      return;
    } catch (e) {
      // Another replica created it between our look-up and our add: look again.
      if (attempt > 3) throw e;
    }
  }
}

export interface DurableSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending: number;
  maxDeliver: number;
}

/** A durable pull consumer shared by every replica of a service (one work queue), created or updated in place. */
export async function ensureDurable(jsm: JetStreamManager, spec: DurableSpec): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    max_ack_pending: spec.maxAckPending,
    max_deliver: spec.maxDeliver,
  };
  try {
    await jsm.consumers.info(spec.stream, spec.durable);
    await jsm.consumers.update(spec.stream, spec.durable, config);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(spec.stream, config);
  }
}
