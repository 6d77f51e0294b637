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
  return async (authorization) => {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new DomainError('UNAUTHENTICATED', 'A bearer token is required');
    let payload: unknown;
    try {
      const verified = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
        ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
      });
      payload = verified.payload;
    } catch {
      throw new DomainError('UNAUTHENTICATED', 'The token is invalid or expired');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new DomainError('UNAUTHENTICATED', 'The token lacks sub, tenant or roles');
    const { sub, tenant, roles, contactId } = claims.data;
    return { sub, tenantId: tenant, roles, ...(contactId ? { contactId } : {}) };
  };
}

const rank: Record<Role, number> = { fan: 0, 'box-office': 1, operator: 2, admin: 3 };

/** Roles are ordered: a route open to the box office is open to operators and admins too. */
export function hasRole(principal: Principal, minimum: Role): boolean {
  return principal.roles.some((r) => rank[r] >= rank[minimum]);
}
