import { Bus, healthContract } from '@tlp/contracts';
import { cleanUp, connectNats, eventually, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { Client } from 'pg';

const root = join(__dirname, '..', '..');
const services = ['gateway', 'loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync'];
let i: Infra;
let nc: NatsConnection;

beforeAll(async () => {
  i = await infra();
  nc = await connectNats(i);
});
afterAll(async () => {
  await nc?.close();
});

describe.each(services)('the %s service process', (service) => {
  const iso = isolation(`boot_${service}`);
  afterAll(() => cleanUp(i, iso));

  it('starts against a fresh schema, answers its health subject, and stops on SIGTERM within 5 s', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'services', service, 'src/main.ts')], {
      cwd: root,
      env: { ...process.env, ...serviceEnv(i, iso, { JWT_SECRET: 'x'.repeat(32) }) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
    try {
      const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
      const health = await eventually(
        () => bus.request(healthContract(service), testContext('platform'), {}, { timeoutMs: 1000 }).catch(() => undefined),
        30_000,
        200,
      );
      expect(health).toMatchObject({ service, status: 'ok' });
      const pg = new Client({ connectionString: i.databaseUrl });
      await pg.connect();
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM "${iso.schema}".migrations`).finally(() => pg.end());
      expect(rows[0].n).toBeGreaterThanOrEqual(1);
      // Requests in flight while the signal lands are all answered, by this process or by "no responders".
      const burst = Array.from({ length: 50 }, () =>
        bus.request(healthContract(service), testContext('platform'), {}, { timeoutMs: 3000 }).then(
          () => 'answered',
          (e: { code?: string }) => e.code,
        ),
      );
      const signalled = Date.now();
      child.kill('SIGTERM');
      const { code, at } = await exited;
      expect(code).toBe(0);
      expect(at - signalled).toBeLessThan(5000);
      const outcomes = await Promise.all(burst);
      expect(outcomes.filter((o) => o !== 'answered' && o !== 'UNAVAILABLE')).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
