import { vouchersCancel, vouchersOfContact } from '@tlp/contracts';
import { ctxOf, inDays, sell, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('voucher-contact');
});
afterAll(() => h.stop());

describe("a contact's vouchers (my vouchers)", () => {
  it('lists the contact’s own vouchers, soonest to expire first, without their codes, and filters by status', async () => {
    const later = await sell(h, 'club', { contactId: 'fan-1', valueMinor: 2_000, validUntil: inDays(200) });
    const sooner = await sell(h, 'club', { contactId: 'fan-1', valueMinor: 1_000, validUntil: inDays(20) });
    await sell(h, 'club', { contactId: 'fan-2', valueMinor: 3_000 });
    await sell(h, 'club', { valueMinor: 4_000 });

    const mine = await h.bus.request(vouchersOfContact, ctxOf('club'), { contactId: 'fan-1' });
    expect(mine.vouchers.map((v) => [v.voucherId, v.balanceMinor])).toEqual([
      [sooner.voucherId, 1_000],
      [later.voucherId, 2_000],
    ]);
    expect(JSON.stringify(mine)).not.toContain(sooner.code);

    await h.bus.request(vouchersCancel, ctxOf('club'), { voucherId: sooner.voucherId, reason: 'lost' });
    const active = await h.bus.request(vouchersOfContact, ctxOf('club'), { contactId: 'fan-1', status: 'active' });
    expect(active.vouchers.map((v) => v.voucherId)).toEqual([later.voucherId]);
  });

  it("never lists another tenant's vouchers for the same contact id", async () => {
    await sell(h, 'north', { contactId: 'shared-fan' });
    expect((await h.bus.request(vouchersOfContact, ctxOf('south'), { contactId: 'shared-fan' })).vouchers).toEqual([]);
    expect((await h.bus.request(vouchersOfContact, ctxOf('north'), { contactId: 'shared-fan' })).vouchers).toHaveLength(1);
  });
});
