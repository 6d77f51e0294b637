import express, { type Express, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { signMessage, verifyMessage } from '../domain/signature';

/**
 * A partner (Rewards4Group-like) implementing docs/partner-api.md over real HTTP, with its own
 * books, for `pnpm start` and the tests. Switches make it slow, flaky or down; `/_control` reads
 * and sets them and shows the books, so a test can check that a message was booked exactly once.
 */
export interface Switches {
  /** Connections are cut without an answer, as if the partner were unreachable. */
  down: boolean;
  latencyMs: number;
  /** Share of API calls answered 503 before anything is booked. */
  errorRate: number;
  /** Share of API calls booked but whose answer is lost (the caller must retry, the partner must dedupe). */
  dropReplyRate: number;
}

export interface Member {
  memberId: string;
  externalRef: string;
  status: 'invited' | 'joined' | 'left';
  points: number;
  profile: Record<string, unknown>;
}

export interface Entry {
  entryId: string;
  kind: 'earn' | 'earn-reversal' | 'spend' | 'refund';
  externalRef: string;
  points: number;
  orderId: string;
  refundId?: string;
  /** The Idempotency-Key it was booked under. */
  messageId: string;
  at: string;
}

export interface Authorisation {
  authorisationId: string;
  externalRef: string;
  orderId: string;
  points: number;
  status: 'held' | 'captured' | 'released';
}

interface Account {
  apiKey: string;
  /** When set, every API call must be signed with one of these (Standard Webhooks). */
  verifySecrets: string[];
  webhook?: { url: string; secret: string };
  members: Map<string, Member>;
  entries: Entry[];
  authorisations: Map<string, Authorisation>;
  /** Answers of booked calls by Idempotency-Key: a repeat gets the same answer and books nothing. */
  answered: Map<string, { status: number; body: unknown }>;
  refusedSignatures: number;
  /** Calls answered from `answered` without booking: how often the caller retried a booked message. */
  replays: number;
  /** Balance reads answered: how often the platform asked rather than used what it knew. */
  balanceReads: number;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(title);
  }
}

export interface Books {
  members: Member[];
  entries: Entry[];
  authorisations: Authorisation[];
  refusedSignatures: number;
  replays: number;
  balanceReads: number;
}

export interface Simulator {
  app: Express;
  switches: Switches;
  books(apiKey: string): Books | undefined;
}

const ref = z.string().min(1);
const points = z.int().positive();

export function createSimulator(): Simulator {
  const switches: Switches = { down: false, latencyMs: 0, errorRate: 0, dropReplyRate: 0 };
  const accounts = new Map<string, Account>();
  const account = (apiKey: string): Account => {
    let a = accounts.get(apiKey);
    if (!a) {
      a = { apiKey, verifySecrets: [], members: new Map(), entries: [], authorisations: new Map(), answered: new Map(), refusedSignatures: 0, replays: 0, balanceReads: 0 };
      accounts.set(apiKey, a);
    }
    return a;
  };
  const books = (apiKey: string): Books | undefined => {
    const a = accounts.get(apiKey);
    return (
      a && {
        members: [...a.members.values()],
        entries: a.entries,
        authorisations: [...a.authorisations.values()],
        refusedSignatures: a.refusedSignatures,
        replays: a.replays,
        balanceReads: a.balanceReads,
      }
    );
  };

  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => void res.json({ name: 'partner-simulator', switches }));

  const control = express.Router();
  control.use(express.json());
  control.get('/', (_req, res) => void res.json(switches));
  control.post('/', (req, res) => {
    const b = req.body as Partial<Switches>;
    if (typeof b.down === 'boolean') switches.down = b.down;
    if (typeof b.latencyMs === 'number') switches.latencyMs = b.latencyMs;
    if (typeof b.errorRate === 'number') switches.errorRate = b.errorRate;
    if (typeof b.dropReplyRate === 'number') switches.dropReplyRate = b.dropReplyRate;
    res.json(switches);
  });
  control.post('/accounts', (req, res) => {
    const b = req.body as { apiKey?: string; verifySecrets?: string[]; webhook?: { url: string; secret: string } };
    if (!b.apiKey) return void res.status(400).json({ title: 'apiKey is required' });
    const a = account(b.apiKey);
    a.verifySecrets = b.verifySecrets ?? [];
    if (b.webhook) a.webhook = b.webhook;
    res.status(201).json({ apiKey: a.apiKey, verifySecrets: a.verifySecrets.length, webhook: Boolean(a.webhook) });
  });
  control.get('/accounts/:apiKey/books', (req, res) => {
    const b = books(req.params.apiKey);
    if (!b) return void res.status(404).json({ title: 'No such account' });
    res.json(b);
  });
  /** Member actions on the partner's side (joining, leaving, points from elsewhere), each told to us by webhook. */
  control.post('/accounts/:apiKey/members/:ref/:action', async (req, res) => {
    const a = accounts.get(req.params.apiKey);
    const m = a?.members.get(req.params.ref);
    if (!a || !m) return void res.status(404).json({ title: 'No such member' });
    const action = req.params.action;
    if (action === 'join') m.status = 'joined';
    else if (action === 'leave') m.status = 'left';
    else if (action === 'points') m.points += Number((req.body as { delta?: number }).delta ?? 0);
    else return void res.status(404).json({ title: 'Unknown action' });
    const type = action === 'points' ? 'balance.changed' : action === 'join' ? 'member.joined' : 'member.left';
    const data = action === 'points' ? { externalRef: m.externalRef, points: m.points } : { externalRef: m.externalRef };
    const webhookStatus = a.webhook ? await sendWebhook(a.webhook, type, data) : null;
    res.json({ member: m, webhookStatus });
  });
  control.post('/reset', (_req, res) => {
    accounts.clear();
    Object.assign(switches, { down: false, latencyMs: 0, errorRate: 0, dropReplyRate: 0 });
    res.json(switches);
  });
  app.use('/_control', control);

  app.use('/v1', express.raw({ type: () => true, limit: '256kb' }), async (req, res, next) => {
    if (switches.down) return void req.socket.destroy();
    // Unref: a slow answer in flight must not keep a test process alive.
    if (switches.latencyMs > 0) await new Promise((r) => setTimeout(r, switches.latencyMs).unref());
    if (Math.random() < switches.errorRate) return void problem(res, 503, 'Simulated outage');
    next();
  });
  const api = express.Router();
  api.use((req, res, next) => {
    const key = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!key) return void problem(res, 401, 'Missing API key');
    const a = account(key);
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (a.verifySecrets.length) {
      const v = verifyMessage(
        a.verifySecrets,
        { 'webhook-id': req.get('webhook-id'), 'webhook-timestamp': req.get('webhook-timestamp'), 'webhook-signature': req.get('webhook-signature') },
        raw,
        new Date(),
        300,
      );
      if (!v.ok) {
        a.refusedSignatures++;
        return void problem(res, 401, 'Signature refused', { reason: v.reason });
      }
    }
    res.locals.account = a;
    try {
      res.locals.body = raw ? (JSON.parse(raw) as unknown) : {};
    } catch {
      return void problem(res, 400, 'Body is not JSON');
    }
    next();
  });

  /** Every booking call: dedupe by Idempotency-Key, book synchronously (so concurrent repeats cannot both book), answer. */
  const booking = <S extends z.ZodType>(schema: S, fn: (a: Account, body: z.output<S>, req: Request) => { status: number; body: unknown }) => (req: Request, res: Response) => {
    const a = res.locals.account as Account;
    const messageId = req.get('idempotency-key');
    if (!messageId) return void problem(res, 400, 'Idempotency-Key is required');
    const parsed = schema.safeParse(res.locals.body);
    if (!parsed.success) return void problem(res, 400, 'Invalid message', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
    const seen = a.answered.get(messageId);
    if (seen) a.replays++;
    if (seen) return void res.status(seen.status).set('idempotent-replayed', 'true').json(seen.body);
    let answer: { status: number; body: unknown };
    try {
      answer = fn(a, parsed.data, req);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      // Refusals are not remembered: the same message may succeed later (e.g. once the member exists).
      return void problem(res, e.status, e.title, e.extra);
    }
    a.answered.set(messageId, answer);
    if (Math.random() < switches.dropReplyRate) return void req.socket.destroy();
    res.status(answer.status).json(answer.body);
  };
  const member = (a: Account, ref: string): Member => {
    const m = a.members.get(ref);
    if (!m) throw new Refusal(404, 'Unknown member', { externalRef: ref });
    return m;
  };
  const book = (a: Account, req: Request, e: Omit<Entry, 'entryId' | 'messageId' | 'at'>): Entry => {
    const entry = { ...e, entryId: randomUUID(), messageId: req.get('idempotency-key') ?? '', at: new Date().toISOString() };
    a.entries.push(entry);
    return entry;
  };

  api.post(
    '/members',
    booking(z.looseObject({ externalRef: ref }), (a, b) => {
      const existing = a.members.get(b.externalRef);
      if (existing) return { status: 200, body: existing };
      const { externalRef, ...profile } = b;
      const m: Member = { memberId: randomUUID(), externalRef, status: 'invited', points: 0, profile };
      a.members.set(externalRef, m);
      return { status: 201, body: m };
    }),
  );
  api.get('/members/:ref/balance', (req, res) => {
    const a = res.locals.account as Account;
    a.balanceReads++;
    const m = a.members.get(req.params.ref as string);
    if (!m) return void problem(res, 404, 'Unknown member');
    res.json({ externalRef: m.externalRef, points: m.points, status: m.status });
  });
  api.post(
    '/earn-transactions',
    booking(z.object({ externalRef: ref, orderId: ref, points }).loose(), (a, b, req) => {
      const m = member(a, b.externalRef);
      m.points += b.points;
      return { status: 201, body: book(a, req, { kind: 'earn', externalRef: m.externalRef, points: b.points, orderId: b.orderId }) };
    }),
  );
  api.post(
    '/earn-reversals',
    booking(z.object({ externalRef: ref, orderId: ref, refundId: ref, points }).loose(), (a, b, req) => {
      const m = member(a, b.externalRef);
      // The partner's balance may go below zero here: the points were already spent elsewhere.
      m.points -= b.points;
      return { status: 201, body: book(a, req, { kind: 'earn-reversal', externalRef: m.externalRef, points: -b.points, orderId: b.orderId, refundId: b.refundId }) };
    }),
  );
  api.post(
    '/authorisations',
    booking(z.object({ authorisationId: ref, externalRef: ref, orderId: ref, points }).loose(), (a, b) => {
      const m = member(a, b.externalRef);
      const existing = a.authorisations.get(b.authorisationId);
      if (existing) return { status: 200, body: existing };
      if (m.points < b.points) throw new Refusal(409, 'Not enough points', { available: m.points });
      m.points -= b.points;
      const auth: Authorisation = { authorisationId: b.authorisationId, externalRef: m.externalRef, orderId: b.orderId, points: b.points, status: 'held' };
      a.authorisations.set(auth.authorisationId, auth);
      return { status: 201, body: auth };
    }),
  );
  api.post(
    '/authorisations/:id/:action',
    booking(z.unknown(), (a, _b, req) => {
      const auth = a.authorisations.get(req.params.id as string);
      if (!auth) throw new Refusal(404, 'Unknown authorisation');
      const action = req.params.action;
      if (action === 'capture') {
        if (auth.status === 'released') throw new Refusal(409, 'Authorisation released');
        if (auth.status === 'held') book(a, req, { kind: 'spend', externalRef: auth.externalRef, points: -auth.points, orderId: auth.orderId });
        auth.status = 'captured';
      } else if (action === 'release') {
        if (auth.status === 'captured') throw new Refusal(409, 'Authorisation captured');
        if (auth.status === 'held') member(a, auth.externalRef).points += auth.points;
        auth.status = 'released';
      } else throw new Refusal(404, 'Unknown action');
      return { status: 200, body: auth };
    }),
  );
  api.post(
    '/refunds',
    booking(z.object({ externalRef: ref, orderId: ref, refundId: ref, points }).loose(), (a, b, req) => {
      const m = member(a, b.externalRef);
      m.points += b.points;
      return { status: 201, body: book(a, req, { kind: 'refund', externalRef: m.externalRef, points: b.points, orderId: b.orderId, refundId: b.refundId }) };
    }),
  );
  app.use('/v1', api);
  return { app, switches, books };
}

function problem(res: Response, status: number, title: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, ...extra }));
}

/** Sends a webhook to the platform the Standard Webhooks way; answers its HTTP status. */
export async function sendWebhook(target: { url: string; secret: string }, type: string, data: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
  const res = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signMessage([target.secret], `msg_${randomUUID()}`, new Date(), body) },
    body,
    signal: AbortSignal.timeout(5000),
  }).catch(() => undefined);
  return res?.status ?? 0;
}
