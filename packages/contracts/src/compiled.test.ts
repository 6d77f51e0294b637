import fc from 'fast-check';
import { z } from 'zod';
import * as contracts from './index';
import { Cart, Evaluation } from './promotion';
import { compiled } from './rpc';

/** Every zod schema the contracts define for the bus: requests, replies and events' data. */
function contractSchemas(): [string, z.ZodType][] {
  const found: [string, z.ZodType][] = [];
  for (const [name, value] of Object.entries(contracts)) {
    const c = value as { subject?: unknown; request?: z.ZodType; reply?: z.ZodType; type?: unknown; data?: z.ZodType };
    if (typeof c !== 'object' || c === null) continue;
    if (typeof c.subject === 'string' && c.request && c.reply) found.push([`${name} request`, c.request], [`${name} reply`, c.reply]);
    if (typeof c.type === 'string' && c.data instanceof z.ZodType) found.push([`${name} data`, c.data]);
  }
  return found;
}

/** Every path to a value inside a sample, the sample itself being []. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [at];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return [at, ...entries.flatMap(([k, v]) => pathsOf(v, [...at, k]))];
}

/** A deep copy of the sample with the value at `path` replaced, removed, or given an unknown sibling key. */
function mutated(sample: unknown, path: (string | number)[], change: { kind: 'replace' | 'remove' | 'extra-key'; value: unknown }): unknown {
  const copy = structuredClone(sample) as Record<string | number, unknown>;
  if (path.length === 0) return change.kind === 'replace' ? change.value : copy;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (change.kind === 'replace') parent[last] = change.value;
  else if (change.kind === 'remove') delete parent[last];
  else if (typeof parent[last] === 'object' && parent[last] !== null && !Array.isArray(parent[last])) (parent[last] as Record<string, unknown>).unexpected = change.value;
  return copy;
}

function expectSameOutcome(schema: z.ZodType, value: unknown): void {
  const interpreted = schema.safeParse(value);
  const fast = compiled(schema).safeParse(value);
  expect(fast.success).toBe(interpreted.success);
  if (interpreted.success) expect(fast.data).toEqual(interpreted.data);
  else expect(fast.error?.issues).toEqual(interpreted.error.issues);
}

const uuid = '3f0c8e6a-9b1d-4c1e-8f6a-2d4b5c6e7f80';
const cart = {
  channel: 'web',
  contact: { contactId: 'fan-1', indicators: { attendance: 'regular' } },
  lines: [
    { lineId: 'l1', productId: 'p1', productFamily: 'event', unitPriceMinor: 5000, currency: 'EUR', quantity: 2 },
    { lineId: 'l2', productId: 'p2', productFamily: 'event', unitPriceMinor: 3000, currency: 'EUR', quantity: 1, season: '2026' },
  ],
  codes: ['BENCH5'],
};
const evaluation = {
  currency: 'EUR',
  lines: [
    {
      lineId: 'l1',
      quantity: 2,
      unitPriceMinor: 5000,
      originalMinor: 10000,
      priceMinor: 7600,
      advantageId: uuid,
      advantageUnitPriceMinor: 4000,
      reductions: [],
    },
  ],
  totalBeforeMinor: 10000,
  totalMinor: 7600,
  advantages: [{ advantageId: uuid, units: 2, lineIds: ['l1'], singleUseCode: null }],
  promoCodes: [],
  notApplied: [{ kind: 'code', ref: 'NOPE', lineId: null, reason: 'nothing-unlocked' }],
};
const change = fc.record({
  kind: fc.constantFrom('replace' as const, 'remove' as const, 'extra-key' as const),
  value: fc.oneof(fc.jsonValue(), fc.constantFrom(undefined, -1, 1.5, 0, '', 'x'.repeat(101), uuid, 'EUR', 'event', [], {})),
});

describe('compiled schemas (zod ahead-of-time compilation)', () => {
  it('compiles every contract of the bus, so no request, reply or event falls back to the slower interpreter unnoticed', () => {
    const schemas = contractSchemas();
    expect(schemas.length).toBeGreaterThan(100);
    const refused = schemas.flatMap(([name, schema]) => {
      try {
        z.compile(schema, { strict: true });
        return [];
      } catch (e) {
        return [`${name}: ${(e as Error).message}`];
      }
    });
    expect(refused).toEqual([]);
  });

  it('makes one compiled copy per schema and reuses it', () => {
    expect(compiled(Cart)).toBe(compiled(Cart));
    expect(compiled(Cart)).not.toBe(Cart);
  });

  it('gives what zod itself gives, data or issues, for a cart and an evaluation changed anywhere', () => {
    for (const [schema, sample] of [
      [Cart, cart],
      [Evaluation, evaluation],
    ] as const) {
      expectSameOutcome(schema, sample);
      fc.assert(
        fc.property(fc.constantFrom(...pathsOf(sample)), change, (path, c) => expectSameOutcome(schema, mutated(sample, path, c))),
        { numRuns: 300 },
      );
    }
  });

  it('still strips unknown keys and fills defaults, as the schema says', () => {
    const { codes: _codes, ...withoutCodes } = cart;
    const parsed = compiled(Cart).parse({ ...withoutCodes, extra: 'dropped' });
    expect(parsed.codes).toEqual([]);
    expect(parsed).not.toHaveProperty('extra');
  });
});
