import { liveCatalog, loyaltyCatalogChanged, type LoyaltyCatalog } from './catalog';

/** A load the test finishes when it wants, counting how often the catalog was read. */
function loads() {
  const pending: { resolve: (c: LoyaltyCatalog) => void; reject: (e: Error) => void }[] = [];
  const load = jest.fn(() => new Promise<LoyaltyCatalog>((resolve, reject) => pending.push({ resolve, reject })));
  return { load, pending };
}

const catalog = (name: string): LoyaltyCatalog => ({ programs: [{ name } as LoyaltyCatalog['programs'][number]], rewards: [] });

describe('the catalog a quote reads', () => {
  it('is read once for the quotes that arrive while it loads', async () => {
    const { load, pending } = loads();
    const asked = Array.from({ length: 5 }, () => liveCatalog('venue-herd', load));
    pending[0]!.resolve(catalog('first'));
    const got = await Promise.all(asked);
    expect(load).toHaveBeenCalledTimes(1);
    expect(got.every((c) => c.programs[0]?.name === 'first')).toBe(true);
    expect((await liveCatalog('venue-herd', load)).programs[0]?.name).toBe('first');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('is read again after a change made while an older read was on its way', async () => {
    const { load, pending } = loads();
    const before = liveCatalog('venue-changed', load);
    loyaltyCatalogChanged('venue-changed');
    pending[0]!.resolve(catalog('before the change'));
    await before;
    const after = liveCatalog('venue-changed', load);
    expect(load).toHaveBeenCalledTimes(2);
    pending[1]!.resolve(catalog('after the change'));
    expect((await after).programs[0]?.name).toBe('after the change');
  });

  it('is read again after a read that failed', async () => {
    const { load, pending } = loads();
    const failed = liveCatalog('venue-failed', load);
    pending[0]!.reject(new Error('database away'));
    await expect(failed).rejects.toThrow('database away');
    const again = liveCatalog('venue-failed', load);
    pending[1]!.resolve(catalog('back'));
    expect((await again).programs[0]?.name).toBe('back');
  });
});
