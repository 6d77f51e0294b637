import { DomainError, Roles, TenantId, type Role } from '@tlp/contracts';
import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

/** Who is calling, from a verified token only: the tenant never comes from the body or the path. */
export interface Principal {
  sub: string;
  tenantId: string;
  roles: Role[];
  contactId?: string;
}

const Claims = z.object({
  sub: z.string().min(1),
  tenant: TenantId,
  roles: z.array(Roles).min(1),
  contactId: z.string().min(1).optional(),
});

export interface AuthConfig {
  JWT_SECRET?: string;
  JWT_PUBLIC_KEY?: string;
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}

type Key = Uint8Array | Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey;

/** Verifies bearer tokens against a shared secret (HS256), a public key (PEM) or a JWKS URL. */
export async function createVerifier(config: AuthConfig): Promise<(authorization: string | undefined) => Promise<Principal>> {
  let key: Key;
  let algorithms: string[];
  if (config.JWKS_URL) {
    key = createRemoteJWKSet(new URL(config.JWKS_URL), { timeoutDuration: 2000, cooldownDuration: 30_000 });
    algorithms = ['RS256', 'ES256', 'EdDSA'];
  } else if (config.JWT_PUBLIC_KEY) {
    const alg = config.JWT_PUBLIC_KEY.includes('BEGIN PUBLIC KEY') && config.JWT_PUBLIC_KEY.length < 300 ? 'ES256' : 'RS256';
    key = await importSPKI(config.JWT_PUBLIC_KEY, alg);
    algorithms = [alg];
  } else if (config.JWT_SECRET) {
    key = new TextEncoder().encode(config.JWT_SECRET);
    algorithms = ['HS256'];
  } else {
    throw new Error('no JWT verification key configured');
  }
  const verified = new VerifiedTokens();
  return async (authorization) => {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new DomainError('UNAUTHENTICATED', 'A bearer token is required');
    const known = verified.get(token);
    if (known) return known;
    let payload: { exp?: number } & Record<string, unknown>;
    try {
      const result = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
        ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
      });
      payload = result.payload;
    } catch {
      throw new DomainError('UNAUTHENTICATED', 'The token is invalid or expired');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new DomainError('UNAUTHENTICATED', 'The token lacks sub, tenant or roles');
    const { sub, tenant, roles, contactId } = claims.data;
    const principal = { sub, tenantId: tenant, roles, ...(contactId ? { contactId } : {}) };
    verified.add(token, principal, payload.exp);
    return principal;
  };
}

/**
 * Tokens already verified, so a client's next requests skip the signature check (a tenth of the
 * gateway's CPU on a quote). An entry lasts until the token expires and at most a minute, so a
 * key withdrawn from the JWKS stops working within that minute; the map is bounded, oldest first out.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (Date.now() < entry.until) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  add(token: string, principal: Principal, exp: number | undefined): void {
    const until = Math.min(Date.now() + this.maxAgeMs, exp !== undefined ? exp * 1000 : Infinity);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { principal, until });
  }
}

const rank: Record<Role, number> = { fan: 0, 'box-office': 1, operator: 2, admin: 3 };

/** Roles are ordered: a route open to the box office is open to operators and admins too. */
export function hasRole(principal: Principal, minimum: Role): boolean {
  return principal.roles.some((r) => rank[r] >= rank[minimum]);
}
