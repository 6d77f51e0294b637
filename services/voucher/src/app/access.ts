import { DomainError } from '@tlp/contracts';
import { withinRedisDeadline } from '@tlp/platform';
import { codeHash } from '../domain/codes';
import { attemptsLeft, pinMatches } from '../domain/pin';
import { voucherByCode, type Voucher } from '../db/vouchers';
import type { Ctx, Ports } from './ports';
import { refused } from './refusals';

/**
 * Finds a voucher by its code and checks its PIN. Wrong PINs are counted in Redis per voucher,
 * within a window that starts at the first failure; at the limit the voucher refuses every PIN,
 * even the right one, for the lock time from that last failure. A right PIN clears the count.
 * A code of another tenant is simply not found. With Redis away, wrong PINs cannot be counted, so
 * a voucher with a PIN is refused as unavailable (503) rather than opened without the count; so it
 * is when Redis does not answer within its deadline (a hung Redis).
 */
export async function openVoucher(ctx: Ctx, ports: Ports, code: string, pin: string | undefined): Promise<Voucher> {
  const voucher = await voucherByCode(ports.db, ctx.tenantId, codeHash(code));
  if (!voucher) throw refused('VOUCHER_NOT_FOUND');
  if (!voucher.pinHash) return voucher;
  return checkPin(ports, ctx.tenantId, voucher, voucher.pinHash, pin);
}

/**
 * One Redis command of the PIN count, within Redis's deadline. Only its failure is Redis being
 * away: any other error of the PIN check stays what it is rather than being reported as Redis.
 */
async function counted<T>(ports: Ports, tenantId: string, command: () => Promise<T>): Promise<T> {
  try {
    return await withinRedisDeadline(command());
  } catch (e) {
    ports.logger.warn({ err: e, tenantId }, 'PIN attempts cannot be counted (Redis unavailable): refused');
    throw new DomainError('UNAVAILABLE', 'PIN checks are unavailable right now; try again in a moment', { retryAfterSeconds: 5 });
  }
}

async function checkPin(ports: Ports, tenantId: string, voucher: Voucher, pinHash: string, pin: string | undefined): Promise<Voucher> {
  const key = ports.keys.key('pin-failures', tenantId, voucher.id);
  const policy = ports.settings.pin;
  const failures = Number((await counted(ports, tenantId, () => ports.redis.get(key))) ?? 0);
  if (failures >= policy.maxAttempts) {
    throw refused('VOUCHER_PIN_LOCKED', { retryAfterSeconds: Math.max(1, await counted(ports, tenantId, () => ports.redis.ttl(key))) });
  }
  if (pin === undefined) throw refused('VOUCHER_PIN_REQUIRED');
  if (await pinMatches(pin, pinHash)) {
    if (failures > 0) await counted(ports, tenantId, () => ports.redis.del(key));
    return voucher;
  }
  const [count] = (await counted(ports, tenantId, () => ports.redis.multi().incr(key).expire(key, policy.lockSeconds, 'NX').exec())) as unknown as [number];
  const left = attemptsLeft(count, policy);
  if (left === 0) {
    // The lock lasts its full time from the last wrong PIN, however long the tries took.
    await counted(ports, tenantId, () => ports.redis.expire(key, policy.lockSeconds));
    throw refused('VOUCHER_PIN_LOCKED', { retryAfterSeconds: policy.lockSeconds });
  }
  throw refused('VOUCHER_PIN_INVALID', { attemptsLeft: left });
}
