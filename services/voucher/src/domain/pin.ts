import { randomBytes, scrypt as scryptCb, timingSafeEqual, type BinaryLike } from 'node:crypto';

const scrypt = (pin: BinaryLike, salt: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(pin, salt, 32, { N: 16384, r: 8, p: 1 }, (err, key) => (err ? reject(err) : resolve(key))));

/** A PIN has few digits: it is stored with a slow salted hash so a leaked table does not reveal it. */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${(await scrypt(pin, salt)).toString('base64')}`;
}

export async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(pin, Buffer.from(salt, 'base64'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface PinPolicy {
  maxAttempts: number;
  lockSeconds: number;
}

/** What is left after a wrong PIN: 0 means the voucher is now locked. */
export const attemptsLeft = (failures: number, policy: PinPolicy): number => Math.max(0, policy.maxAttempts - failures);
