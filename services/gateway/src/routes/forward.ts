import { DomainError, type RequestContract, type Role } from '@tlp/contracts';
import { z } from 'zod';
import { route, type Method, type Route } from '../http/route';

export interface ForwardOptions {
  method: Method;
  /** Path under /v1; `:name` segments fill the contract's fields of the same name. */
  path: string;
  tag: string;
  summary: string;
  role: Role;
  status?: number;
  rateLimit?: 'standard' | 'attempts';
  /**
   * For fans' own routes: the contract field that takes the contact id from the token. The field
   * is not part of the HTTP input at all, so a fan cannot name another contact.
   */
  contactField?: string;
}

const pathParams = (path: string) => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

function missing(subject: string, key: string): never {
  throw new Error(`${subject} has no field ${key} for the route's path`);
}

function asObject(schema: z.ZodType): z.ZodObject | undefined {
  return schema instanceof z.ZodObject ? schema : undefined;
}

/**
 * A route that passes its input to one service subject. The HTTP schemas are cut from the
 * contract's own request schema: path parameters, then the query (GET, DELETE) or the body
 * (other methods), so validation at the gateway and in the service are the same rules and the
 * OpenAPI document shows exactly them.
 */
export function forward<C extends RequestContract>(contract: C, o: ForwardOptions): Route {
  const request = asObject(contract.request);
  const inPath = pathParams(o.path);
  const hidden = o.contactField ? [o.contactField] : [];
  if (!request && (inPath.length || hidden.length)) throw new Error(`${contract.subject}: path parameters need an object schema`);
  // Built from the shape: zod refuses pick/omit on objects with refinements, which the service checks anyway.
  const shape = (request?.shape ?? {}) as Record<string, z.ZodType>;
  const pick = (keys: string[]) => z.object(Object.fromEntries(keys.map((k) => [k, shape[k] ?? missing(contract.subject, k)])));
  const cut = [...inPath, ...hidden];
  const rest = request && cut.length ? z.strictObject(Object.fromEntries(Object.entries(shape).filter(([k]) => !cut.includes(k)))) : contract.request;
  const restIsEmpty = request !== undefined && Object.keys((rest as z.ZodObject).shape).length === 0;
  const takesBody = o.method !== 'get' && o.method !== 'delete';
  return route({
    method: o.method,
    path: o.path,
    tag: o.tag,
    summary: o.summary,
    role: o.role,
    ...(o.contactField ? { needsContact: true } : {}),
    ...(o.status ? { status: o.status } : {}),
    ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
    ...(inPath.length ? { params: pick(inPath) } : {}),
    ...(!takesBody && !restIsEmpty ? { query: rest } : {}),
    ...(takesBody && !restIsEmpty ? { body: rest } : {}),
    response: contract.reply,
    handle: async (ctx, input) => {
      const payload: Record<string, unknown> = { ...(input.query as object), ...(input.body as object), ...(input.params as object) };
      if (o.contactField) {
        if (!ctx.principal.contactId) throw new DomainError('FORBIDDEN', 'This needs a fan token with a contact id');
        payload[o.contactField] = ctx.principal.contactId;
      }
      return ctx.backends.call(contract, ctx.request, (request ? payload : input.body) as never);
    },
  });
}
