import { ShortLivedCopies } from '../src';

interface Catalog {
  name: string;
}

/** A load the test finishes when it wants, counting how often it was asked. */
function loads() {
  const pending: { resolve: (c: Catalog) => void; reject: (e: Error) => void }[] = [];
  const load = jest.fn(() => new Promise<Catalog>((resolve, reject) => pending.push({ resolve, reject })));
  return { load, pending };
}

describe('short-lived copies of a tenant catalog', () => {
  it('loads once for the readers that arrive while it loads, and serves that copy while it is fresh', async () => {
    const copies = new ShortLivedCopies<Catalog>(1000);
    const { load, pending } = loads();
    const asked = Array.from({ length: 5 }, () => copies.get('venue', load));
    pending[0]!.resolve({ name: 'first' });
    expect((await Promise.all(asked)).map((c) => c.name)).toEqual(Array(5).fill('first'));
    expect((await copies.get('venue', load)).name).toBe('first');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads again once the copy is older than its time, counted from the start of its load', async () => {
    let now = 0;
    const copies = new ShortLivedCopies<Catalog>(1000, 10_000, () => now);
    const { load, pending } = loads();
    const first = copies.get('venue', load);
    now = 900;
    pending[0]!.resolve({ name: 'first' });
    await first;
    now = 999;
    expect((await copies.get('venue', load)).name).toBe('first');
    now = 1000;
    const second = copies.get('venue', load);
    pending[1]!.resolve({ name: 'second' });
    expect((await second).name).toBe('second');
  });

  it('loads again after a change made while an older load was on its way', async () => {
    const copies = new ShortLivedCopies<Catalog>(1000);
    const { load, pending } = loads();
    const before = copies.get('venue', load);
    copies.forget('venue');
    pending[0]!.resolve({ name: 'before the change' });
    await before;
    const after = copies.get('venue', load);
    expect(load).toHaveBeenCalledTimes(2);
    pending[1]!.resolve({ name: 'after the change' });
    expect((await after).name).toBe('after the change');
  });

  it('does not keep a failed load, and a failed load does not drop the copy that replaced it', async () => {
    const copies = new ShortLivedCopies<Catalog>(1000);
    const { load, pending } = loads();
    const failed = copies.get('venue', load);
    copies.forget('venue');
    const replacing = copies.get('venue', load);
    pending[0]!.reject(new Error('database away'));
    await expect(failed).rejects.toThrow('database away');
    pending[1]!.resolve({ name: 'back' });
    expect((await replacing).name).toBe('back');
    expect((await copies.get('venue', load)).name).toBe('back');
    expect(load).toHaveBeenCalledTimes(2);
    const { load: failing, pending: failingPending } = loads();
    const alone = copies.get('other venue', failing);
    failingPending[0]!.reject(new Error('database away'));
    await expect(alone).rejects.toThrow('database away');
    const retried = copies.get('other venue', failing);
    failingPending[1]!.resolve({ name: 'retried' });
    expect((await retried).name).toBe('retried');
  });

  it('keeps copies of one tenant apart from another’s, and drops them all past the most it keeps', async () => {
    const copies = new ShortLivedCopies<Catalog>(60_000, 2);
    const a = await copies.get('a', async () => ({ name: 'a' }));
    const b = await copies.get('b', async () => ({ name: 'b' }));
    expect([a.name, b.name]).toEqual(['a', 'b']);
    const load = jest.fn(async () => ({ name: 'a again' }));
    await copies.get('c', async () => ({ name: 'c' }));
    expect((await copies.get('a', load)).name).toBe('a again');
    expect(load).toHaveBeenCalledTimes(1);
  });
});
