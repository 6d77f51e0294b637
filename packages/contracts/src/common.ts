import { z } from 'zod';

/** Tenant ids are slugs: they appear in subjects, keys and logs, so they stay plain. */
export const TenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tenant id must be a lowercase slug');
export const Uuid = z.uuid();
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code');
/** Money is integer minor units plus currency; no floats near an amount. */
export const Money = z.object({ amountMinor: z.int().nonnegative(), currency: Currency });
export type Money = z.infer<typeof Money>;
export const Points = z.int().nonnegative();
export const Timestamp = z.iso.datetime({ offset: true });
export const NonEmpty = z.string().trim().min(1).max(200);
/** Wording per locale, e.g. { en: "stars", fr: "étoiles" }. */
export const LocalizedText = z.record(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/), z.string().min(1).max(200));

export const Roles = z.enum(['fan', 'box-office', 'operator', 'admin']);
export type Role = z.infer<typeof Roles>;

/** Who asks: travels in NATS headers beside the payload, never inside it. */
export const RequestContext = z.object({
  tenantId: TenantId,
  requestId: z.string().min(1).max(100),
  actor: z
    .object({ sub: z.string().min(1), roles: z.array(Roles), contactId: z.string().optional() })
    .optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
});
export type RequestContext = z.infer<typeof RequestContext>;

type WithoutDefault<T> = T extends z.ZodDefault<infer Inner> ? Inner : T;

/**
 * An input's fields as a patch: each optional and without its default, so a field that is not
 * sent stays as it was. (zod's `partial()` keeps the defaults: a patch of one field would reset
 * every defaulted field to its creation value.)
 */
export function patchOf<Shape extends z.ZodRawShape>(
  input: z.ZodObject<Shape>,
): z.ZodObject<{ [K in keyof Shape]: z.ZodOptional<WithoutDefault<Shape[K]>> }> {
  const fields = Object.fromEntries(
    Object.entries(input.shape).map(([key, field]) => [key, (field instanceof z.ZodDefault ? (field.removeDefault() as z.ZodType) : (field as z.ZodType)).optional()]),
  );
  return z.object(fields) as unknown as z.ZodObject<{ [K in keyof Shape]: z.ZodOptional<WithoutDefault<Shape[K]>> }>;
}
