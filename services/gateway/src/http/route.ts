import { compiled, DomainError, type Role } from '@tlp/contracts';
import { z } from 'zod';
import type { GatewayContext } from './context';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * One HTTP route: the zod schemas it validates with are the ones the OpenAPI document is built
 * from, so the document cannot drift from what the gateway accepts.
 */
export interface Route<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  method: Method;
  /** Express-style path under /v1, e.g. `/loyalty/programs/:programId`. */
  path: string;
  tag: string;
  summary: string;
  /** The lowest role allowed; fans' own routes also need a contact id in the token. */
  role: Role;
  needsContact?: boolean;
  /** `attempts` for routes that try codes or PINs: a tighter rate limit against guessing. */
  rateLimit?: 'standard' | 'attempts';
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** A POST that changes nothing (a quote): no Idempotency-Key needed. */
  readOnly?: boolean;
  /** 201 for creations; 200 otherwise. */
  status?: number;
  handle(ctx: GatewayContext, input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> }): Promise<z.input<R>>;
}

export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(r: Route<P, Q, B, R>): Route {
  return r as unknown as Route;
}

export const isMutating = (r: Pick<Route, 'method' | 'readOnly'>) => r.method !== 'get' && !r.readOnly;

/** The schema under optional/default/nullable wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  const inner = (s as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
  return inner ? unwrap(inner) : s;
}

/**
 * Query strings are text: turn `limit=20` into a number and `active=true` into a boolean where
 * the schema asks for one, and a repeated key into an array, before validating.
 */
function coerceQuery(schema: z.ZodType, query: Record<string, unknown>): Record<string, unknown> {
  if (!(schema instanceof z.ZodObject)) return query;
  const out: Record<string, unknown> = { ...query };
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const v = out[key];
    if (typeof v !== 'string') continue;
    const target = unwrap(field);
    if (target instanceof z.ZodNumber && v.trim() !== '' && !Number.isNaN(Number(v))) out[key] = Number(v);
    else if (target instanceof z.ZodBoolean && (v === 'true' || v === 'false')) out[key] = v === 'true';
    else if (target instanceof z.ZodArray) out[key] = v.split(',');
  }
  return out;
}

export function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> {
  if (!schema) return {} as z.output<S>;
  const input = where === 'query' ? coerceQuery(schema, (value ?? {}) as Record<string, unknown>) : value;
  const r = compiled(schema).safeParse(input ?? {});
  if (r.success) return r.data;
  throw new DomainError('VALIDATION_FAILED', `Invalid ${where}`, {
    issues: r.error.issues.map((i) => ({ in: where, path: i.path.map(String).join('.'), message: i.message })),
  });
}

/** Express path `/a/:id` to OpenAPI `/a/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
