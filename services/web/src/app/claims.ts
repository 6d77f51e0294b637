/**
 * The claims of a gateway token, read in the browser only to choose screens: the gateway checks
 * the signature on every call, so nothing here is trusted for access.
 */
export const roles = ['fan', 'box-office', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Claims {
  sub: string;
  tenant: string;
  roles: Role[];
  contactId?: string;
  /** Seconds since the epoch. */
  exp?: number;
}

export class TokenUnreadable extends Error {}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export function readClaims(token: string): Claims {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) throw new TokenUnreadable('This is not a token: expected three parts separated by dots.');
  let body: unknown;
  try {
    body = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    throw new TokenUnreadable('The token could not be read.');
  }
  const c = body as Partial<Record<keyof Claims, unknown>>;
  if (typeof c.sub !== 'string' || typeof c.tenant !== 'string' || !Array.isArray(c.roles)) {
    throw new TokenUnreadable('The token lacks the sub, tenant or roles claim.');
  }
  const known = c.roles.filter((r): r is Role => (roles as readonly unknown[]).includes(r));
  if (known.length === 0) throw new TokenUnreadable('The token carries none of the roles fan, box-office, operator or admin.');
  return {
    sub: c.sub,
    tenant: c.tenant,
    roles: known,
    ...(typeof c.contactId === 'string' ? { contactId: c.contactId } : {}),
    ...(typeof c.exp === 'number' ? { exp: c.exp } : {}),
  };
}

export const isExpired = (claims: Claims, nowMs: number) => claims.exp !== undefined && claims.exp * 1000 <= nowMs;

/**
 * Roles are ordered as the gateway orders them (services/gateway/src/auth.ts): a route open to
 * the box office is open to operators and admins too. Used to leave out what a role may not call.
 */
export function hasRole(c: Claims, minimum: Role): boolean {
  return c.roles.some((r) => roles.indexOf(r) >= roles.indexOf(minimum));
}

/** Staff reach the back office; box office sees it too (contacts, checkout at the counter). */
export const canUseBackOffice = (c: Claims) => c.roles.some((r) => r !== 'fan');
export const canUseFanPages = (c: Claims) => c.roles.includes('fan') && c.contactId !== undefined;
