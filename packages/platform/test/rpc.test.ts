import { Bus, DomainError, jsonCodec, type RequestContext } from '@tlp/contracts';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext } from '@tlp/testkit';
import { headers, NatsError, type NatsConnection } from 'nats';
import { startService, type RunningService } from '../src';
import { addNote, calls, demoService, failing, slowEcho } from './fixtures/demo-service';

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

  it('the typed helper refuses a bad payload before sending anything', async () => {
    const before = calls.addNote;
    await expect(bus.request(addNote, ctx, { text: 'x'.repeat(51) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(calls.addNote).toBe(before);
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

  it('reports UNAVAILABLE when no service answers a subject', async () => {
    const other = new Bus(nc, { subjectPrefix: 'nobody-here.' });
    await expect(other.request(slowEcho, ctx, { ms: 0, value: 'x' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
