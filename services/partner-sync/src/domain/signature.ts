import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `id.timestamp.body` with the base64 key after `whsec_`, sent as space-separated `v1,<base64>`
 * so that several secrets can sign during a rotation.
 */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

const keyOf = (secret: string): Buffer => Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');

const signOne = (secret: string, id: string, timestamp: number, body: string): string =>
  createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');

export function signMessage(secrets: readonly string[], id: string, at: Date, body: string): SignedHeaders {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => `v1,${signOne(s, id, timestamp, body)}`).join(' '),
  };
}

export type VerifyFailure = 'missing-headers' | 'bad-timestamp' | 'stale-timestamp' | 'future-timestamp' | 'bad-signature';

export type VerifyResult = { ok: true; id: string; timestamp: Date } | { ok: false; reason: VerifyFailure };

/**
 * Checks a message against every secret still valid; any matching `v1` signature passes. The
 * timestamp must be within `toleranceSeconds` of `now` either way, so a captured message cannot
 * be replayed later (replays inside the window are caught by the receiver's id dedupe).
 */
export function verifyMessage(
  secrets: readonly string[],
  headers: Partial<Record<keyof SignedHeaders, string | undefined>>,
  body: string,
  now: Date,
  toleranceSeconds: number,
): VerifyResult {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (!id || !ts || !sig) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad-timestamp' };
  const timestamp = Number(ts);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nowSeconds - timestamp > toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };
  if (timestamp - nowSeconds > toleranceSeconds) return { ok: false, reason: 'future-timestamp' };
  const offered = sig
    .split(' ')
    .map((s) => s.split(','))
    .filter((p): p is [string, string] => p.length === 2 && p[0] === 'v1')
    .map(([, v]) => Buffer.from(v, 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(signOne(secret, id, timestamp, body), 'base64');
    if (offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) {
      return { ok: true, id, timestamp: new Date(timestamp * 1000) };
    }
  }
  return { ok: false, reason: 'bad-signature' };
}

/** What replies and logs show of a secret or credential: enough to tell two apart, nothing to use. */
export const fingerprint = (secret: string): string => `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
