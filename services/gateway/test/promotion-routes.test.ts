import type { RequestContract } from '@tlp/contracts';
import type { GatewayContext } from '../src/http/context';
import { isMutating } from '../src/http/route';
import { promotionRoutes } from '../src/routes/promotion';

const id = '0190aaaa-0000-7000-8000-000000000001';
const names = { internal: { fr: 'Nouveau' }, public: { fr: 'Nouveau' } };

/** Runs a route as the API layer does once the input is valid, recording what it asks the service. */
async function forwarded(method: string, path: string, params: unknown, body: unknown) {
  const r = promotionRoutes.find((x) => x.method === method && x.path === path);
  if (!r?.params || !r.body) throw new Error(`no ${method} ${path} with a path and a body`);
  const calls: { subject: string; payload: unknown }[] = [];
  const ctx = {
    backends: {
      call: async (contract: RequestContract, _request: unknown, payload: unknown) => {
        calls.push({ subject: contract.subject, payload });
        return {};
      },
    },
  } as unknown as GatewayContext;
  await r.handle(ctx, { params: r.params.parse(params), query: undefined, body: r.body.parse(body) });
  return { route: r, calls };
}

describe('editing advantages and promo codes through the gateway', () => {
  it('PATCH /v1/advantages/{advantageId} sends the id from the path and the changes to promotion.v1.advantages.update, for operators, with an Idempotency-Key', async () => {
    const { route, calls } = await forwarded('patch', '/advantages/:advantageId', { advantageId: id }, { names, quota: 4 });
    expect(calls).toEqual([{ subject: 'promotion.v1.advantages.update', payload: { advantageId: id, names, quota: 4 } }]);
    expect(route.role).toBe('operator');
    expect(isMutating(route)).toBe(true);
    // The id comes from the path only, and fields the service does not know are refused rather than dropped.
    expect(route.body?.safeParse({ advantageId: id, quota: 4 }).success).toBe(false);
    expect(route.body?.safeParse({ state: 'closed' }).success).toBe(false);
  });

  it('PATCH /v1/promo-codes/{promoCodeId} sends the id from the path and the changes to promotion.v1.promo-codes.update', async () => {
    const { route, calls } = await forwarded('patch', '/promo-codes/:promoCodeId', { promoCodeId: id }, { accessCode: 'new code', maxUses: 10 });
    expect(calls).toEqual([{ subject: 'promotion.v1.promo-codes.update', payload: { promoCodeId: id, accessCode: 'NEWCODE', maxUses: 10 } }]);
    expect(route.role).toBe('operator');
    expect(route.body?.safeParse({ usesTaken: 0 }).success).toBe(false);
    expect(route.params?.safeParse({ promoCodeId: 'not-an-id' }).success).toBe(false);
  });
});
