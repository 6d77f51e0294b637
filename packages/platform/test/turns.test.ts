import { Turns } from '../src/turns';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('turns', () => {
  it('runs the work of one key one at a time in arrival order, and of other keys meanwhile', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const work = (key: string, n: number, ms: number) =>
      turns.run(key, async () => {
        log.push(`${key}${n} start`);
        await pause(ms);
        log.push(`${key}${n} end`);
        return n;
      });
    const results = await Promise.all([work('a', 1, 30), work('a', 2, 5), work('b', 1, 5), work('a', 3, 5)]);
    expect(results).toEqual([1, 2, 1, 3]);
    expect(log.filter((l) => l.startsWith('a'))).toEqual(['a1 start', 'a1 end', 'a2 start', 'a2 end', 'a3 start', 'a3 end']);
    expect(log.indexOf('b1 end')).toBeLessThan(log.indexOf('a1 end'));
  });

  it('gives the next turn after a failure and forgets a key once its work is done', async () => {
    const turns = new Turns();
    const failed = turns.run('a', () => Promise.reject(new Error('boom')));
    const next = turns.run('a', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
    expect(turns.size).toBe(0);
  });

  it('refuses with TIMEOUT, without running it, work whose turn comes after its deadline, and gives the next turn', async () => {
    const turns = new Turns();
    const ran: string[] = [];
    const first = turns.run('a', async () => {
      await pause(60);
      ran.push('first');
    });
    const late = turns.run('a', async () => void ran.push('late'), performance.now() + 20);
    const patient = turns.run('a', async () => void ran.push('patient'), performance.now() + 5000);
    await first;
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT' });
    await patient;
    expect(ran).toEqual(['first', 'patient']);
    expect(turns.size).toBe(0);
  });
});
