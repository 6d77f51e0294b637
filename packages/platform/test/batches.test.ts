import { Batches, batchesOn } from '../src';

/** A batch runner that records each batch and answers when the test lets it. */
function recorded() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve) => finish.push(() => resolve(items.map((i) => `done ${i}`))));
  };
  return { batches, finish, run };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('batches of concurrent calls', () => {
  it('runs the calls of one turn as one batch and gives each caller its own outcome', async () => {
    const r = recorded();
    const batches = new Batches({ run: r.run });
    const answers = Promise.all([1, 2, 3].map((i) => batches.call(i)));
    await turn();
    expect(r.batches).toEqual([[1, 2, 3]]);
    r.finish[0]!();
    expect(await answers).toEqual(['done 1', 'done 2', 'done 3']);
  });

  it('starts a lone call at once, without waiting for company', async () => {
    const r = recorded();
    const batches = new Batches({ run: r.run });
    const answer = batches.call(7);
    await turn();
    expect(r.batches).toEqual([[7]]);
    r.finish[0]!();
    expect(await answer).toBe('done 7');
  });

  it('gathers the calls that arrive while a batch runs into the next one, and no more than the largest size', async () => {
    const r = recorded();
    const batches = new Batches({ run: r.run, maxSize: 2 });
    const first = batches.call(1);
    await turn();
    const later = [2, 3, 4].map((i) => batches.call(i));
    await turn();
    expect(r.batches).toEqual([[1]]);
    r.finish[0]!();
    await first;
    await turn();
    expect(r.batches).toEqual([[1], [2, 3]]);
    r.finish[1]!();
    await turn();
    expect(r.batches).toEqual([[1], [2, 3], [4]]);
    r.finish[2]!();
    expect(await Promise.all(later)).toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('lets as many batches run at once as allowed', async () => {
    const r = recorded();
    const batches = new Batches({ run: r.run, maxSize: 1, maxInFlight: 2 });
    const answers = Promise.all([1, 2, 3].map((i) => batches.call(i)));
    await turn();
    expect(r.batches).toEqual([[1], [2]]);
    r.finish[1]!();
    await turn();
    expect(r.batches).toEqual([[1], [2], [3]]);
    r.finish[0]!();
    r.finish[2]!();
    expect(await answers).toEqual(['done 1', 'done 2', 'done 3']);
  });

  it("refuses a failed batch's calls with its error and goes on with the next batch", async () => {
    let fail = true;
    const batches = new Batches<number, number>({
      run: async (items) => {
        if (fail) throw new Error('database went away');
        return items.map((i) => i * 10);
      },
    });
    const failed = [1, 2].map((i) => batches.call(i));
    await expect(Promise.all(failed)).rejects.toThrow('database went away');
    await expect(failed[1]).rejects.toThrow('database went away');
    fail = false;
    expect(await batches.call(3)).toBe(30);
  });

  it('refuses every call of a batch that answers for the wrong number of items', async () => {
    const batches = new Batches<number, number>({ run: async () => [1] });
    const calls = [batches.call(1), batches.call(2)];
    await expect(calls[0]).rejects.toThrow('a batch of 2 answered 1 outcomes');
    await expect(calls[1]).rejects.toThrow('a batch of 2 answered 1 outcomes');
  });

  it('keeps one set of batches per pool and name', () => {
    const pool = {};
    const run = async (items: number[]) => items;
    const a = batchesOn(pool, 'holds', { run });
    expect(batchesOn(pool, 'holds', { run })).toBe(a);
    expect(batchesOn(pool, 'captures', { run })).not.toBe(a);
    expect(batchesOn({}, 'holds', { run })).not.toBe(a);
  });

  it('leaves out, refused with TIMEOUT, a call whose caller stopped waiting while the batch before it ran', async () => {
    const r = recorded();
    const batches = new Batches({ run: r.run });
    const first = batches.call(1);
    await turn();
    const late = batches.call(2, performance.now() + 10);
    const patient = batches.call(3, performance.now() + 5000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    r.finish[0]!();
    expect(await first).toBe('done 1');
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT' });
    await turn();
    expect(r.batches).toEqual([[1], [3]]);
    r.finish[1]!();
    expect(await patient).toBe('done 3');
  });
});

