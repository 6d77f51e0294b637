import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per service process, with the figures operators read (see docs/operations.md). */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Histogram({
      name: 'rpc_handler_seconds',
      help: 'Request/reply handling time by subject and outcome',
      labelNames: ['subject', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    events: new Counter({
      name: 'events_consumed_total',
      help: 'Events handled by consumers, by type and outcome (applied, duplicate, retried, dropped)',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: 'outbox_pending_events',
      help: 'Events committed but not yet published',
      registers: [registry],
    }),
    outboxLagSeconds: new Gauge({
      name: 'outbox_lag_seconds',
      help: 'Age of the oldest unpublished event',
      registers: [registry],
    }),
    consumerPending: new Gauge({
      name: 'consumer_pending_messages',
      help: 'Messages waiting in the stream for this consumer',
      labelNames: ['durable'],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'job_runs_total',
      help: 'Periodic job runs in this replica (only the lease holder runs), by job and outcome (done, failed)',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    batchesFailed: new Counter({
      name: 'batches_failed_total',
      help: 'Batches of concurrent statements that failed whole and went one by one, by batch and reason (SQLSTATE)',
      labelNames: ['batch', 'reason'],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'breaker_open',
      help: '1 when the breaker to a dependency is open',
      labelNames: ['breaker'],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
