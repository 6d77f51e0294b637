import { z } from 'zod';

/** A request/reply endpoint: subject `<service>.v1.<resource>.<verb>`, both payloads checked on both sides. */
export interface RequestContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  subject: string;
  request: Req;
  reply: Res;
  /**
   * Callers send the requests of one turn of their event loop for one tenant together, in one
   * message on `<subject>.together` (see `Bus`): for the reads on the checkout's hot path, where
   * the messages, not the work, were the cost.
   */
  together?: boolean;
}

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(
  subject: string,
  request: Req,
  reply: Res,
  opts: { together?: boolean } = {},
): RequestContract<Req, Res> {
  return { subject, request, reply, ...opts };
}

const compiledCopies = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The schema as zod's ahead-of-time compiler makes it (`z.compile`): the same results and the same
 * issues, but a valid message is checked by generated code instead of zod's interpreter, which
 * allocated a payload per field. That allocation was most of the gateway's garbage per quote
 * (docs/performance.md, eleventh session). Made once per schema, when first used; a schema zod
 * cannot compile is used as it is (tests check that every contract compiles).
 */
export function compiled<S extends z.ZodType>(schema: S): S {
  let copy = compiledCopies.get(schema);
  if (!copy) {
    copy = z.compile(schema);
    compiledCopies.set(schema, copy);
  }
  return copy as S;
}

export type RequestOf<C extends RequestContract> = z.input<C['request']>;
export type ParsedRequestOf<C extends RequestContract> = z.output<C['request']>;
export type ReplyOf<C extends RequestContract> = z.output<C['reply']>;

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Replies are `{ ok: true, data }` or `{ ok: false, error }`. */
export const ReplyEnvelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorBody }),
]);

export const HealthReply = z.object({
  service: z.string(),
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeSeconds: z.number().nonnegative(),
});

/** Every service answers `<service>.v1.health`. */
export const healthContract = (service: string) =>
  defineRequest(`${service}.v1.health`, z.object({}).strict(), HealthReply);

/** Formats a zod failure as details a person can act on: which field, what is wrong. */
export function describeIssues(error: z.ZodError): Record<string, unknown> {
  return {
    issues: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  };
}
