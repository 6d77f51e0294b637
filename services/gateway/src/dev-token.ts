/**
 * `pnpm token -- --tenant acme --role operator [--contact c-1] [--sub alice] [--hours 8]`
 * prints a JWT signed with the local development secret (the one `pnpm start` gives the gateway).
 */
import { SignJWT } from 'jose';
import { devJwtSecret } from './dev-secret';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const tenant = arg('tenant', 'demo')!;
  const roles = (arg('role', 'operator') ?? 'operator').split(',');
  const contactId = arg('contact');
  const token = await new SignJWT({ tenant, roles, ...(contactId ? { contactId } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(arg('sub', contactId ?? `${roles[0]}-user`)!)
    .setIssuedAt()
    .setExpirationTime(`${Number(arg('hours', '8'))}h`)
    .sign(new TextEncoder().encode(devJwtSecret()));
  process.stdout.write(`${token}\n`);
}

void main();
