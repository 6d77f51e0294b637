import { Bus, compiled, DomainError, jsonCodec, TOGETHER_MAX, togetherSubject, type RequestContext } from '@tlp/contracts';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext } from '@tlp/testkit';
import { headers, NatsError, type Msg, type NatsConnection } from 'nats';
import { startService, type RunningService } from '../src';
import { addNote, calls, demoService, failing, gatedEcho, slowEcho, whoAsks } from './fixtures/demo-service';

const iso = isolation('platform_rpc');
let svc: RunningService;
let nc: NatsConnection;
let bus: Bus;
const ctx: RequestContext = testContext('acme');

beforeAll(async () => {
  const i = await infra();
  svc = await startService(demoService(), serviceEnv(i, iso));
  nc = await connectNats(i);
  bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
});

afterAll(async () => {
  await svc?.stop();
  await nc?.close();
  await cleanUp(await infra(), iso);
});

async function rawRequest(subject: string, body: string, withContext = true) {
  const h = headers();
  if (withContext) {
    h.set('Tenant-Id', 'acme');
    h.set('Request-Id', 'r1');
  }
  const msg = await nc.request(iso.subjectPrefix + subject, new TextEncoder().encode(body), { timeout: 3000, headers: h });
  return jsonCodec.decode(msg.data) as { ok: boolean; data?: unknown; error?: { code: string; message: string; details?: unknown } };
}

describe('request/reply server', () => {
  it('answers a valid request with the reply typed by the contract', async () => {
    const reply = await bus.request(addNote, ctx, { text: 'hello' });
    expect(reply.noteId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('builds no error for a request that is answered (patches/nats@2.29.3.patch: nats.js made one, stack and all, per request)', async () => {
    const errors = jest.spyOn(NatsError, 'errorForCode');
    try {
      await bus.request(addNote, ctx, { text: 'no error, please' });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('refuses a payload that breaks the contract with VALIDATION_FAILED and never calls the handler', async () => {
    const before = calls.addNote;
    const reply = await rawRequest(addNote.subject, JSON.stringify({ text: '', extra: 1 }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(JSON.stringify(reply.error?.details)).toContain('text');
    expect(calls.addNote).toBe(before);
  });

  it('refuses a body that is not JSON and a request without tenant context', async () => {
    const before = calls.addNote;
    expect(await rawRequest(addNote.subject, '{nope')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await rawRequest(addNote.subject, JSON.stringify({ text: 'x' }), false)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(calls.addNote).toBe(before);
  });

  it('a bad payload sent by the typed helper is refused by the service receiving it, and no handler runs', async () => {
    const before = calls.addNote;
    await expect(bus.request(addNote, ctx, { text: 'x'.repeat(51) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(calls.addNote).toBe(before);
  });

  it('checks each message once, where it arrives: the payload in the service, the reply in the caller', async () => {
    // The checks run on zod's compiled copies of the schemas (contracts' `compiled`).
    const requestChecks = jest.spyOn(compiled(addNote.request), 'safeParse');
    const replyChecks = jest.spyOn(compiled(addNote.reply), 'safeParse');
    try {
      await bus.request(addNote, ctx, { text: 'checked once' });
      expect(requestChecks).toHaveBeenCalledTimes(1);
      expect(replyChecks).toHaveBeenCalledTimes(1);
    } finally {
      requestChecks.mockRestore();
      replyChecks.mockRestore();
    }
  });

  it('refuses a reply that breaks its contract where it arrives: INTERNAL without details, the issues logged', async () => {
    const logged: Record<string, unknown>[] = [];
    const caller = new Bus(nc, { subjectPrefix: iso.subjectPrefix, logger: { error: (details) => logged.push(details) } });
    const err = await caller.request(failing, ctx, { kind: 'broken-reply' }).catch((e: DomainError) => e);
    expect(err).toMatchObject({ code: 'INTERNAL', message: 'Internal error', details: undefined });
    expect(logged).toEqual([expect.objectContaining({ subject: failing.subject, issues: [expect.objectContaining({ path: ['outcome'] })] })]);
  });

  it('turns a typed error into its stable code and hides internal errors', async () => {
    await expect(bus.request(failing, ctx, { kind: 'domain' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const err = await bus.request(failing, ctx, { kind: 'bug' }).catch((e: DomainError) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'INTERNAL', message: 'Internal error' });
  });

  it("logs a failed request with its tenant, request id and subject, and makes no logger for a request that logs nothing", async () => {
    const child = jest.spyOn(svc.deps.logger, 'child');
    try {
      await bus.request(addNote, ctx, { text: 'quiet' });
      expect(child).not.toHaveBeenCalled();
      await bus.request(failing, ctx, { kind: 'bug' }).catch(() => undefined);
      expect(child).toHaveBeenCalledWith({ tenantId: ctx.tenantId, requestId: ctx.requestId, subject: failing.subject });
    } finally {
      child.mockRestore();
    }
  });

  it('does not start a request whose caller stopped waiting while it queued, and serves the next one', async () => {
    const busy = bus.request(gatedEcho, ctx, { ms: 800, value: 'first' });
    await new Promise((r) => setTimeout(r, 50));
    // Queued behind `first` for longer than its caller waits.
    await expect(bus.request(gatedEcho, ctx, { ms: 0, value: 'given-up' }, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await busy).toEqual({ value: 'first' });
    expect(await bus.request(gatedEcho, ctx, { ms: 0, value: 'next' })).toEqual({ value: 'next' });
    expect(calls.gatedEchoes).toEqual(['first', 'next']);
  });

  it('refuses a Timeout-Ms header that is not a whole number of milliseconds, and runs nothing', async () => {
    const before = calls.gatedEchoes.length;
    const h = headers();
    h.set('Tenant-Id', 'acme');
    h.set('Request-Id', 'r1');
    h.set('Timeout-Ms', 'soon');
    const msg = await nc.request(iso.subjectPrefix + gatedEcho.subject, jsonCodec.encode({ ms: 0, value: 'x' }), { timeout: 3000, headers: h });
    expect(jsonCodec.decode(msg.data)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('Timeout-Ms') } });
    expect(calls.gatedEchoes.length).toBe(before);
  });

  it('reports UNAVAILABLE when no service answers a subject', async () => {
    const other = new Bus(nc, { subjectPrefix: 'nobody-here.' });
    await expect(other.request(slowEcho, ctx, { ms: 0, value: 'x' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

const asker = (tenantId: string, n: number): RequestContext => ({
  tenantId,
  requestId: `${tenantId}-req-${n}`,
  actor: { sub: `${tenantId}-fan-${n}`, roles: ['fan'] },
});

/** Counts the messages published on a subject (a plain subscriber sees them beside the service's queue group). */
async function counting(subject: string): Promise<{ count: () => number; stop: () => void }> {
  let n = 0;
  const sub = nc.subscribe(iso.subjectPrefix + subject, { callback: () => n++ });
  await nc.flush();
  return { count: () => n, stop: () => sub.unsubscribe() };
}

describe('requests sent together', () => {
  it('sends the requests of one turn for one tenant in one message, each answered in its own context', async () => {
    const together = await counting(togetherSubject(whoAsks.subject));
    const alone = await counting(whoAsks.subject);
    try {
      const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => bus.request(whoAsks, asker('acme', n), { value: `v${n}` })));
      await nc.flush();
      expect(replies).toEqual(Array.from({ length: 10 }, (_, n) => ({ value: `v${n}`, tenantId: 'acme', requestId: `acme-req-${n}`, actorSub: `acme-fan-${n}` })));
      expect(together.count()).toBe(1);
      expect(alone.count()).toBe(0);
    } finally {
      together.stop();
      alone.stop();
    }
  });

  it('never puts two tenants in one message: each tenant has its own, and each request is answered in its tenant', async () => {
    const together = await counting(togetherSubject(whoAsks.subject));
    try {
      const asked = ['acme', 'globex', 'acme', 'globex', 'acme'].map((t, n) => ({ ctx: asker(t, n), value: `${t}${n}` }));
      const replies = await Promise.all(asked.map((a) => bus.request(whoAsks, a.ctx, { value: a.value })));
      await nc.flush();
      replies.forEach((r, n) => expect(r).toMatchObject({ value: asked[n]!.value, tenantId: asked[n]!.ctx.tenantId, requestId: asked[n]!.ctx.requestId }));
      expect(together.count()).toBe(2);
    } finally {
      together.stop();
    }
  });

  it('fails only the request whose answer is an error; the others of its message get theirs', async () => {
    const settled = await Promise.allSettled([
      bus.request(whoAsks, asker('acme', 1), { value: 'first' }),
      bus.request(whoAsks, asker('acme', 2), { value: 'missing', refuse: true }),
      bus.request(whoAsks, asker('acme', 3), { value: 'third' }),
    ]);
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { value: 'first', requestId: 'acme-req-1' } });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { code: 'NOT_FOUND', message: 'no missing' } });
    expect(settled[2]).toMatchObject({ status: 'fulfilled', value: { value: 'third', requestId: 'acme-req-3' } });
  });

  it('sends a lone request on the contract’s own subject, as before', async () => {
    const together = await counting(togetherSubject(whoAsks.subject));
    const alone = await counting(whoAsks.subject);
    try {
      expect(await bus.request(whoAsks, asker('acme', 7), { value: 'alone' })).toMatchObject({ value: 'alone', requestId: 'acme-req-7' });
      await nc.flush();
      expect([together.count(), alone.count()]).toEqual([0, 1]);
    } finally {
      together.stop();
      alone.stop();
    }
  });

  it(`carries at most ${TOGETHER_MAX} requests in a message`, async () => {
    const together = await counting(togetherSubject(whoAsks.subject));
    try {
      const n = TOGETHER_MAX * 2 + 1;
      const replies = await Promise.all(Array.from({ length: n }, (_, i) => bus.request(whoAsks, asker('acme', i), { value: `v${i}` })));
      await nc.flush();
      expect(replies.map((r) => r.value)).toEqual(Array.from({ length: n }, (_, i) => `v${i}`));
      // Two full messages, and the last request alone on the contract's own subject.
      expect(together.count()).toBe(2);
    } finally {
      together.stop();
    }
  });

  it('answers each request of a raw message on its own: a payload that breaks the contract fails only itself', async () => {
    const reply = await rawRequest(
      togetherSubject(whoAsks.subject),
      JSON.stringify({
        items: [
          { requestId: 'a', data: { value: 'fine' } },
          { requestId: 'b', data: { value: '', extra: 1 } },
        ],
      }),
    );
    expect(reply).toMatchObject({
      items: [
        { ok: true, data: { value: 'fine', tenantId: 'acme', requestId: 'a', actorSub: null } },
        { ok: false, error: { code: 'VALIDATION_FAILED' } },
      ],
    });
  });

  it('refuses a message whose envelope is not JSON, has no requests or too many, with VALIDATION_FAILED', async () => {
    const tooMany = { items: Array.from({ length: TOGETHER_MAX + 1 }, (_, n) => ({ requestId: `r${n}`, data: { value: 'x' } })) };
    for (const body of ['{nope', JSON.stringify({ items: [] }), JSON.stringify(tooMany), JSON.stringify({ items: [{ data: { value: 'no request id' } }] })]) {
      expect(await rawRequest(togetherSubject(whoAsks.subject), body)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('fails every request of a message whose reply does not hold one answer per request, rather than pairing answers with the wrong requests', async () => {
    const prefix = `${iso.subjectPrefix}short.`;
    const short = nc.subscribe(prefix + togetherSubject(whoAsks.subject), {
      callback: (_e, msg: Msg) => msg.respond(jsonCodec.encode({ items: [{ ok: true, data: { value: 'x', tenantId: 'acme', requestId: 'x', actorSub: null } }] })),
    });
    try {
      const toShort = new Bus(nc, { subjectPrefix: prefix });
      const settled = await Promise.allSettled([1, 2].map((n) => toShort.request(whoAsks, asker('acme', n), { value: `s${n}` })));
      expect(settled.map((s) => s.status === 'rejected' && (s.reason as { code: string }).code)).toEqual(['INTERNAL', 'INTERNAL']);
    } finally {
      short.unsubscribe();
    }
  });

  it('sends each request alone to a service that does not serve the together subject (a replica from before, during a rolling update)', async () => {
    const prefix = `${iso.subjectPrefix}older.`;
    const older = nc.subscribe(prefix + whoAsks.subject, {
      queue: 'demo',
      callback: (_e, msg: Msg) => {
        const { value } = jsonCodec.decode(msg.data) as { value: string };
        msg.respond(jsonCodec.encode({ ok: true, data: { value, tenantId: msg.headers!.get('Tenant-Id'), requestId: msg.headers!.get('Request-Id'), actorSub: null } }));
      },
    });
    try {
      const toOlder = new Bus(nc, { subjectPrefix: prefix });
      const replies = await Promise.all([1, 2, 3].map((n) => toOlder.request(whoAsks, asker('acme', n), { value: `old${n}` })));
      expect(replies.map((r) => [r.value, r.requestId])).toEqual([
        ['old1', 'acme-req-1'],
        ['old2', 'acme-req-2'],
        ['old3', 'acme-req-3'],
      ]);
    } finally {
      older.unsubscribe();
    }
  });
});
