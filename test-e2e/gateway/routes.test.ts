import fc from 'fast-check';
import { Platform } from '../harness';

/**
 * Every route of the published OpenAPI document, against the whole platform: authentication
 * and roles on each, and generated bad input on each, which must always get problem+json and
 * never a 5xx.
 */
interface Operation {
  method: string;
  path: string;
  description: string;
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
}

const platform = new Platform({ label: 'gw_routes' });
let operations: Operation[] = [];

const roleOf = (op: Operation) => /Requires the role (\S+)/.exec(op.description)?.[1] ?? 'admin';
const below: Record<string, string | undefined> = { fan: undefined, 'box-office': 'fan', operator: 'box-office', admin: 'operator' };
const concretePath = (path: string) => path.replace(/\{([^}]+)\}/g, (_m, name: string) => (/Id$/.test(name) ? '01960000-0000-7000-8000-000000000000' : name === 'currency' ? 'EUR' : 'X'));

beforeAll(async () => {
  await platform.start();
  const spec = (await (await fetch(`${platform.gatewayUrl}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> };
  operations = Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, ...op })));
}, 120_000);
afterAll(() => platform.stop(), 60_000);

async function send(method: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(platform.gatewayUrl + path, {
    method: method.toUpperCase(),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method !== 'get' ? { 'idempotency-key': crypto.randomUUID(), 'content-type': 'application/json' } : {}),
    },
    body: method === 'get' || method === 'delete' ? undefined : JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as { code?: string }) : {} };
}

describe('every route of the API', () => {
  it('publishes a document with the platform routes', () => {
    expect(operations.length).toBeGreaterThan(30);
  });

  it('answers 401 without a token, and 401 for a token signed with another key', async () => {
    for (const op of operations) {
      const r = await send(op.method, concretePath(op.path), undefined, {});
      expect({ route: `${op.method} ${op.path}`, status: r.status, code: r.body.code }).toEqual({ route: `${op.method} ${op.path}`, status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('answers 403 to a role below the route, and to a token without a contact on a fan route', async () => {
    for (const op of operations) {
      const role = roleOf(op);
      const lower = below[role];
      const token = lower
        ? await platform.token({ tenant: 'acme', roles: [lower], ...(lower === 'fan' ? { contactId: 'c-1' } : {}) })
        : await platform.token({ tenant: 'acme', roles: ['operator'] });
      if (!lower && !op.description.includes('contact id in the token')) continue;
      const r = await send(op.method, concretePath(op.path), token, {});
      expect({ route: `${op.method} ${op.path}`, status: r.status }).toEqual({ route: `${op.method} ${op.path}`, status: 403 });
    }
  });

  it('never answers 5xx or anything but problem+json to generated bad input', async () => {
    const admin = await platform.token({ tenant: 'acme', roles: ['admin'], contactId: 'c-1' });
    const junk = fc.oneof(
      fc.constant(null),
      fc.string(),
      fc.integer(),
      fc.array(fc.anything(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })), {
        maxKeys: 6,
      }),
    );
    for (const op of operations) {
      const samples = fc.sample(junk, { numRuns: 12, seed: 42 });
      for (const body of samples) {
        const path = concretePath(op.path) + (op.method === 'get' ? `?limit=${encodeURIComponent(JSON.stringify(body) ?? "")}` : '');
        const r = await send(op.method, path, admin, body);
        const where = `${op.method} ${op.path} with ${JSON.stringify(body)}`;
        expect({ where, fiveHundreds: r.status >= 500 ? r.status : 0 }).toEqual({ where, fiveHundreds: 0 });
        if (r.status >= 400) expect({ where, type: r.type }).toEqual({ where, type: expect.stringContaining('application/problem+json') });
      }
    }
  }, 240_000);
});
