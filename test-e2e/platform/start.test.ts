import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '@tlp/testkit';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('pnpm start --own-servers', () => {
  it('brings up its own PostgreSQL, NATS and Redis on free ports, every service ready, and stops it all on Ctrl-C', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tlp-start-'));
    const gatewayPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'infra/start.ts'), '--own-servers'], {
      cwd: root,
      env: { ...process.env, PLATFORM_DATA_DIR: dataDir, GATEWAY_PORT: String(gatewayPort), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no gateway URL printed:\n${out}`)), 90_000);
        child.stdout.on('data', () => {
          const m = /Gateway: (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', () => reject(new Error(`start exited early:\n${out}`)));
      });
      expect(url).toBe(`http://127.0.0.1:${gatewayPort}`);
      expect(out).toMatch(/PostgreSQL: started by us on 127\.0\.0\.1:(?!5432)\d+/);
      expect(out).toMatch(/NATS: started by us on 127\.0\.0\.1:(?!4222)\d+/);
      expect(out).toMatch(/Redis: started by us on 127\.0\.0\.1:(?!6379)\d+/);
      const web = /Web app: (http:\/\/\S+)/.exec(out)?.[1];
      expect((await fetch(`${web}/`)).status).toBe(200);
      const res = await fetch(`${url}/readyz`);
      const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
      expect(res.status).toBe(200);
      for (const s of ['loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync', 'postgres', 'nats', 'redis']) {
        expect(body.checks[s]).toEqual({ ok: true });
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('[start] stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});
