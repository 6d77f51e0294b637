import { Bus, jsonCodec, type EventEnvelope } from '@tlp/contracts';
import { cleanUp, connectNats, eventually, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import type { NatsConnection } from 'nats';
import { newId, startService, type RunningService } from '../src';
import { addNote, calls, demoService, NoteAdded } from './fixtures/demo-service';

let i: Infra;
let nc: NatsConnection;

beforeAll(async () => {
  i = await infra();
  nc = await connectNats(i);
});
afterAll(async () => {
  await nc?.close();
});

const envelope = (tenantId: string, noteId: string): EventEnvelope => ({
  id: newId(),
  tenantId,
  occurredAt: new Date().toISOString(),
  type: NoteAdded.type,
  data: { noteId, text: 'hi' },
});

async function applied(svc: RunningService, tenantId: string): Promise<number> {
  const rows: { applied: number }[] = await svc.deps.db.query(`SELECT applied FROM note_counts WHERE tenant_id = $1`, [tenantId]);
  return rows[0]?.applied ?? 0;
}

describe.each([
  ['one event per transaction', false, 1],
  ['batches in one transaction', true, 1],
  ['two batches applied at once', true, 2],
])('event consumer (%s)', (_label, batch, batchesInFlight) => {
  const iso = isolation(`platform_consumer_${batch}_${batchesInFlight}`);
  let svc: RunningService;

  beforeAll(async () => {
    calls.mostBatchesAtOnce = 0;
    svc = await startService(demoService({ consume: true, batch, batchesInFlight }), serviceEnv(i, iso));
  });
  afterAll(async () => {
    await svc?.stop();
    await cleanUp(i, iso);
  });

  it('applies an event delivered twice (a redelivery past the broker dedupe) only once', async () => {
    const js = nc.jetstream();
    const e = envelope('dup', 'n1');
    // Different Nats-Msg-Ids defeat the broker's window: only the inbox stands between us and a double apply.
    await js.publish(iso.subjectPrefix + NoteAdded.type, jsonCodec.encode(e), { msgID: 'a' });
    await js.publish(iso.subjectPrefix + NoteAdded.type, jsonCodec.encode(e), { msgID: 'b' });
    await js.publish(iso.subjectPrefix + NoteAdded.type, jsonCodec.encode(envelope('dup', 'n2')));
    await eventually(async () => ((await applied(svc, 'dup')) === 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(await applied(svc, 'dup')).toBe(2);
  });

  it('consumes what the outbox publishes: every event of a burst applied once', async () => {
    const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
    const ctx = testContext('burst');
    await Promise.all(Array.from({ length: 200 }, (_, n) => bus.request(addNote, ctx, { text: `n${n}` })));
    await eventually(async () => ((await applied(svc, 'burst')) === 200 ? true : undefined), 15_000);
    const [{ n }] = await svc.deps.db.query(`SELECT count(*)::int AS n FROM inbox`);
    expect(n).toBeGreaterThanOrEqual(202);
  });

  // Batches only: one event per transaction has no batch to run alongside another.
  if (batch)
    it(`applies ${batchesInFlight} batch(es) at once at most, each event once`, async () => {
    calls.mostBatchesAtOnce = 0;
    const js = nc.jetstream();
    // More than one batch's worth (256), published at once: the next batch forms while one applies.
    await Promise.all(Array.from({ length: 1500 }, (_, n) => js.publish(iso.subjectPrefix + NoteAdded.type, jsonCodec.encode(envelope('many', `m${n}`)))));
    await eventually(async () => ((await applied(svc, 'many')) === 1500 ? true : undefined), 30_000);
    expect(calls.mostBatchesAtOnce).toBe(batchesInFlight);
  }, 40_000);

  it('drops an event that breaks its contract instead of retrying it forever', async () => {
    const before = calls.applied;
    await nc.jetstream().publish(iso.subjectPrefix + NoteAdded.type, jsonCodec.encode({ ...envelope('bad', 'x'), data: { nope: true } }));
    await nc.jetstream().publish(iso.subjectPrefix + NoteAdded.type, jsonCodec.encode(envelope('bad', 'after')));
    await eventually(async () => ((await applied(svc, 'bad')) === 1 ? true : undefined));
    expect(calls.applied - before).toBe(1);
  });
});
