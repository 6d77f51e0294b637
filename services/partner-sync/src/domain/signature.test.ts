import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signMessage, verifyMessage } from './signature';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const now = new Date();

describe('Standard Webhooks signatures', () => {
  it('verifies what the standardwebhooks library signs', () => {
    const s = secret();
    const body = JSON.stringify({ type: 'member.joined', data: { externalRef: 'c-1' } });
    const signature = new Webhook(s).sign('msg_1', now, body);
    const r = verifyMessage([s], { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature }, body, now, 300);
    expect(r.ok).toBe(true);
  });

  it('signs so that the library verifies, with every secret of a rotation', () => {
    const [a, b] = [secret(), secret()];
    const body = '{"points":12}';
    const headers = signMessage([a, b], 'msg_2', now, body);
    expect(new Webhook(a).verify(body, { ...headers })).toEqual({ points: 12 });
    expect(new Webhook(b).verify(body, { ...headers })).toEqual({ points: 12 });
    expect(() => new Webhook(secret()).verify(body, { ...headers })).toThrow();
  });

  it('refuses a tampered body, a wrong secret, a stale or future timestamp and missing headers', () => {
    const s = secret();
    const body = '{"points":12}';
    const headers = signMessage([s], 'msg_3', now, body);
    expect(verifyMessage([s], headers, '{"points":13}', now, 300)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyMessage([secret()], headers, body, now, 300)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyMessage([s], headers, body, new Date(now.getTime() + 301_000), 300)).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifyMessage([s], headers, body, new Date(now.getTime() - 301_000), 300)).toEqual({ ok: false, reason: 'future-timestamp' });
    expect(verifyMessage([s], { ...headers, 'webhook-signature': undefined }, body, now, 300)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifyMessage([s], { ...headers, 'webhook-timestamp': 'yesterday' }, body, now, 300)).toEqual({ ok: false, reason: 'bad-timestamp' });
  });

  it('ignores signatures of other versions and accepts any listed v1 signature', () => {
    const s = secret();
    const body = 'x';
    const headers = signMessage([s], 'msg_4', now, body);
    const mixed = { ...headers, 'webhook-signature': `v1a,AAAA v1,${Buffer.from('nope').toString('base64')} ${headers['webhook-signature']}` };
    expect(verifyMessage([s], mixed, body, now, 300).ok).toBe(true);
    expect(verifyMessage([s], { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') }, body, now, 300).ok).toBe(false);
  });
});
