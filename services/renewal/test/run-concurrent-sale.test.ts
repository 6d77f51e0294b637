import { GetRenewalRun, StartRenewalRun } from '@tlp/contracts';
import { eventually, testContext } from '@tlp/testkit';
import { executeRun } from '../src/app/runs';
import { buy, grid, layout, pos, seasonTicket, space, startHarness, type Harness } from './fixtures';

const ctx = () => testContext('busy-theatre');
let h: Harness;

// The job is slowed down so that the test drives the run itself.
beforeAll(async () => {
  h = await startHarness('renewal concurrent sale', { RENEWAL_RUNS_EVERY_MS: '600000' });
});
afterAll(() => h.stop());

it('a seat sold at the box office during a run is not renewed to its former holder, and nothing is sold twice', async () => {
  await new Promise((r) => setTimeout(r, 700)); // past the job's first tick
  const s = await space(h.bus, ctx(), 'Theatre');
  const hall = await layout(h.bus, ctx(), s, grid('E', ['1'], 4));
  const pc = hall.physicalConfigurationId;
  const origin = await seasonTicket(h.bus, ctx(), await hall.performances('2025', () => 'CAT1', 1, 1));
  const [performance] = (await hall.performances('2026', () => 'CAT1', 1, 100)) as [string];
  const target = await seasonTicket(h.bus, ctx(), [performance], 3);
  await buy(h.bus, ctx(), origin, ['E-1-1', 'E-1-2', 'E-1-3'].map((seat, i) => ({ contactId: `h${i + 1}`, category: 'CAT1', seats: [{ physicalConfigurationId: pc, ...pos(seat) }] })));

  const { runId } = await h.bus.request(StartRenewalRun, ctx(), { runKey: 'busy', originSeasonTicketId: origin, targetSeasonTicketId: target });
  const running = executeRun(h.service.deps.db, h.service.deps.logger, 'busy-theatre', runId, { chunkSize: 1, chunkPauseMs: 400 });
  await eventually(async () => ((await h.query(`SELECT 1 FROM renewal_decisions WHERE run_id = $1`, [runId])).length ? true : undefined), 5000, 10);
  // h3's seat goes to a walk-in while the run pauses between chunks.
  await buy(h.bus, ctx(), target, [{ contactId: 'walk-in', category: 'CAT1', seats: [{ physicalConfigurationId: pc, ...pos('E-1-3') }] }]);
  await expect(running).resolves.toBe('completed');

  const run = await h.bus.request(GetRenewalRun, ctx(), { runId });
  expect(run.decisions.map((d) => [d.contactId, d.outcome, d.reason, d.groups[0]?.row])).toEqual([
    ['h1', 'renewed', null, 1],
    ['h2', 'renewed', null, 1],
    ['h3', 'not-renewed', 'SEAT_NOT_KEPT', 2],
  ]);
  const holders = await h.query<{ contact_id: string }>(
    `SELECT h.contact_id FROM seat_availability a JOIN holdings h ON h.id = a.holding_id WHERE a.performance_id = $1 ORDER BY h.contact_id`,
    [performance],
  );
  expect(holders.map((r) => r.contact_id)).toEqual(['h1', 'h2', 'walk-in']);
});
