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
const Language = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/);
/** Wording per locale, e.g. { en: "Season pass", fr: "Abonnement" }. */
export const LocalizedText = z.record(Language, z.string().min(1).max(200));
const Word = z.string().min(1).max(200);
/**
 * What points are called, per locale: one word for any number of them ({ en: "points" }, as
 * programs were first worded), or the singular and the plural ({ en: { one: "star", other:
 * "stars" } }); `pointsWord` picks the one a number takes. Kept and returned as given, so a client
 * that sends one word per language reads one word back.
 */
export const PointsWording = z
  .record(
    Language,
    // Half a pair ({ one: "star" }) fails both forms; zod's own message for that is "Invalid input".
    z.union([Word, z.object({ one: Word, other: Word }).strict()], { error: 'Give both the singular (one) and the plural (other), or a single word' }),
  )
  .refine((w) => Object.keys(w).length > 0, { error: 'Name the points in at least one language' })
  .describe('What points are called, per language: one word for any number, or { "one": singular, "other": plural }');
export type PointsWording = z.infer<typeof PointsWording>;

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
