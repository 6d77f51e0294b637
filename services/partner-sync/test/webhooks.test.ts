import { balancesGet, ContactRegistered, partnersCreate, partnersGet, partnersRotateSecret, type PartnerView } from '@tlp/contracts';
import { listen } from '@tlp/platform';
import { eventually } from '@tlp/testkit';
import express from 'express';
import type { Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { contact, ctxOf, newSecret, partnerInput, sql, startHarness, startSimulator, type Harness, type RunningSimulator } from './fixtures';

let h: Harness;
let sim: RunningSimulator;
let partnerA: PartnerView;
let partnerB: PartnerView;
const secretA = newSecret();
const secretB = newSecret();
const outboundA = newSecret();

beforeAll(async () => {
  sim = await startSimulator();
  h = await startHarness('partner webhooks');
  partnerA = await h.bus.request(partnersCreate, ctxOf('club-a'), partnerInput(sim, { inboundSecrets: [secretA], outboundSecrets: [outboundA] }));
  partnerB = await h.bus.request(partnersCreate, ctxOf('club-b'), partnerInput(sim, { inboundSecrets: [secretB] }));
});

afterAll(async () => {
  await h.stop();
  await sim.close();
});

let seq = 0;
/** A webhook as a partner sends it, signed by the standardwebhooks library. */
async function send(partnerId: string, secret: string, payload: unknown, opts: { id?: string; at?: Date; tamper?: (body: string) => string } = {}) {
  const body = JSON.stringify(payload);
  const id = opts.id ?? `msg_${Date.now()}_${++seq}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(secret).sign(id, at, body);
  const res = await fetch(`${h.baseUrl}/webhooks/partners/${partnerId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature },
    body: opts.tamper ? opts.tamper(body) : body,
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? (JSON.parse(text) as { type: string; title: string }) : undefined, id };
}

const joined = (ref: string) => ({ type: 'member.joined', timestamp: new Date().toISOString(), data: { externalRef: ref } });
const balance = (ref: string, points: number) => ({ type: 'balance.changed', timestamp: new Date().toISOString(), data: { externalRef: ref, points } });
const memberStatus = async (tenant: string, ref: string) =>
  (await sql<{ status: string }>(h, `SELECT status FROM members WHERE tenant_id = $1 AND contact_id = $2`, [tenant, ref]))[0]?.status;

describe('inbound partner webhooks', () => {
  it('accepts a webhook signed by the standardwebhooks library and applies it', async () => {
    const r = await send(partnerA.partnerId, secretA, joined('c-joined'));
    expect(r.status).toBe(204);
    expect(await memberStatus('club-a', 'c-joined')).toBe('joined');
  });

  it('refuses a tampered body, and applies nothing', async () => {
    const r = await send(partnerA.partnerId, secretA, joined('c-tampered'), { tamper: (b) => b.replace('c-tampered', 'c-victim') });
    expect(r.status).toBe(401);
    expect(r.type).toContain('application/problem+json');
    expect(r.body?.type).toMatch(/bad-signature$/);
    expect(await memberStatus('club-a', 'c-victim')).toBeUndefined();
    expect(await memberStatus('club-a', 'c-tampered')).toBeUndefined();
  });

  it('refuses a message signed with a wrong secret', async () => {
    const r = await send(partnerA.partnerId, newSecret(), joined('c-wrong'));
    expect(r.status).toBe(401);
    expect(await memberStatus('club-a', 'c-wrong')).toBeUndefined();
  });

  it('refuses a stale timestamp even with a valid signature', async () => {
    const r = await send(partnerA.partnerId, secretA, joined('c-stale'), { at: new Date(Date.now() - 6 * 60_000) });
    expect(r.status).toBe(401);
    expect(r.body?.type).toMatch(/stale-timestamp$/);
    expect(await memberStatus('club-a', 'c-stale')).toBeUndefined();
  });

  it('refuses a replayed webhook id and applies the message only once', async () => {
    const first = await send(partnerA.partnerId, secretA, balance('c-replay', 500));
    expect(first.status).toBe(204);
    const again = await send(partnerA.partnerId, secretA, balance('c-replay', 9999), { id: first.id });
    expect(again.status).toBe(409);
    const rows = await sql<{ points: number }>(h, `SELECT points FROM balances WHERE tenant_id = 'club-a' AND contact_id = 'c-replay'`);
    expect(rows).toEqual([{ points: 500 }]);
  });

  it("never lets one tenant's secret or webhook touch another tenant", async () => {
    // Tenant B's secret on tenant A's partner address: refused.
    expect((await send(partnerA.partnerId, secretB, joined('c-cross'))).status).toBe(401);
    // A valid webhook to tenant B's partner only changes tenant B.
    expect((await send(partnerB.partnerId, secretB, joined('c-shared'))).status).toBe(204);
    expect(await memberStatus('club-b', 'c-shared')).toBe('joined');
    expect(await memberStatus('club-a', 'c-shared')).toBeUndefined();
    // The same webhook id is independent per partner.
    const id = `msg_same_${Date.now()}`;
    expect((await send(partnerA.partnerId, secretA, joined('c-id-a'), { id })).status).toBe(204);
    expect((await send(partnerB.partnerId, secretB, joined('c-id-b'), { id })).status).toBe(204);
    // Tenant B cannot read tenant A's partner at all.
    await expect(h.bus.request(partnersGet, ctxOf('club-b'), { partnerId: partnerA.partnerId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers 404 for an unknown partner address', async () => {
    expect((await send('0190b2a4-0000-7000-8000-000000000000', secretA, joined('x'))).status).toBe(404);
    expect((await send('not-a-uuid', secretA, joined('x'))).status).toBe(404);
  });

  it('keeps accepting the old secret during a rotation, and not after its grace period', async () => {
    const fresh = newSecret();
    const p = await h.bus.request(partnersCreate, ctxOf('club-a'), partnerInput(sim, { inboundSecrets: [newSecret()] }));
    const old = newSecret();
    await h.bus.request(partnersRotateSecret, ctxOf('club-a'), { partnerId: p.partnerId, direction: 'inbound', secret: old, graceSeconds: 0 });
    const view = await h.bus.request(partnersRotateSecret, ctxOf('club-a'), { partnerId: p.partnerId, direction: 'inbound', secret: fresh, graceSeconds: 3600 });
    expect(view.inboundSecrets).toHaveLength(2);
    expect((await send(p.partnerId, old, joined('c-rot-1'))).status).toBe(204);
    expect((await send(p.partnerId, fresh, joined('c-rot-2'))).status).toBe(204);
    await h.bus.request(partnersRotateSecret, ctxOf('club-a'), { partnerId: p.partnerId, direction: 'inbound', secret: newSecret(), graceSeconds: 0 });
    expect((await send(p.partnerId, fresh, joined('c-rot-3'))).status).toBe(401);
  });

  it('shows the balance a webhook announced, marked stale, while the partner is down', async () => {
    expect((await send(partnerA.partnerId, secretA, balance('c-hook-balance', 1234))).status).toBe(204);
    sim.setSwitches({ down: true });
    try {
      const b = await h.bus.request(balancesGet, ctxOf('club-a'), { partnerId: partnerA.partnerId, contactId: 'c-hook-balance' });
      expect(b).toMatchObject({ points: 1234, value: { amountMinor: 1234, currency: 'GBP' }, stale: true });
    } finally {
      sim.setSwitches({ down: false });
    }
  });

  it('never returns secrets or credentials in clear', async () => {
    const input = partnerInput(sim);
    const view = await h.bus.request(partnersCreate, ctxOf('club-a'), input);
    const text = JSON.stringify(view);
    for (const s of [input.apiKey, ...input.inboundSecrets, ...input.outboundSecrets]) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(s.replace('whsec_', ''));
    }
    expect(view.apiKeyFingerprint).toMatch(/^sha256:/);
  });
});

describe('outbound signatures', () => {
  it('sign our requests so that the standardwebhooks library verifies them, with both secrets during a rotation', async () => {
    const received: { headers: Record<string, string>; body: string }[] = [];
    const recorder = express();
    recorder.post('/v1/members', express.text({ type: () => true }), (req, res) => {
      received.push({ headers: req.headers as Record<string, string>, body: req.body as string });
      res.status(201).json({});
    });
    const { server, port } = await listen(recorder, 0, '127.0.0.1');
    try {
      const first = newSecret();
      const p = await h.bus.request(partnersCreate, ctxOf('club-sign'), partnerInput({ url: `http://127.0.0.1:${port}` }, { outboundSecrets: [first] }));
      await h.publish(ContactRegistered, 'club-sign', contact('c-signed'));
      const one = await eventually(async () => received[0]);
      expect(new Webhook(first).verify(one.body, one.headers)).toMatchObject({ externalRef: 'c-signed' });
      expect(one.headers['idempotency-key']).toBe(one.headers['webhook-id']);
      expect(() => new Webhook(newSecret()).verify(one.body, one.headers)).toThrow();

      const second = newSecret();
      await h.bus.request(partnersRotateSecret, ctxOf('club-sign'), { partnerId: p.partnerId, direction: 'outbound', secret: second, graceSeconds: 600 });
      await h.publish(ContactRegistered, 'club-sign', contact('c-signed-2'));
      const two = await eventually(async () => received[1]);
      expect(new Webhook(first).verify(two.body, two.headers)).toMatchObject({ externalRef: 'c-signed-2' });
      expect(new Webhook(second).verify(two.body, two.headers)).toMatchObject({ externalRef: 'c-signed-2' });
    } finally {
      (server as Server).closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
