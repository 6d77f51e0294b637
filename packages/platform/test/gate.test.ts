import { Gate } from '../src/gate';

describe('gate', () => {
  it('lets at most its capacity run at once and the rest in arrival order', async () => {
    const gate = new Gate(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        order.push(i);
        running--;
        return i;
      });
    expect(await Promise.all([0, 1, 2, 3, 4, 5].map(task))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(order.slice(2)).toEqual([2, 3, 4, 5]);
  });

  it('frees its place when a task fails', async () => {
    const gate = new Gate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
  });

  it('refuses with TIMEOUT, without running it, work whose place comes after its deadline, and hands the place on', async () => {
    const gate = new Gate(1);
    const ran: string[] = [];
    const first = gate.run(async () => {
      await new Promise((r) => setTimeout(r, 60));
      ran.push('first');
    });
    const late = gate.run(async () => void ran.push('late'), performance.now() + 20);
    const patient = gate.run(async () => void ran.push('patient'), performance.now() + 5000);
    await first;
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT' });
    await patient;
    expect(ran).toEqual(['first', 'patient']);
    expect(await gate.run(async () => 'free', performance.now() + 1000)).toBe('free');
  });
});
