/**
 * `pnpm start`: the whole platform on this machine. Finds or starts PostgreSQL, NATS JetStream
 * and Redis (see servers.ts), starts every service and the partner simulator, waits until each
 * reports ready, builds and serves the web app, prints the URLs, and stops everything on Ctrl-C.
 *
 *   pnpm start                   servers from the environment, the default ports, or our own
 *   pnpm start --own-servers     always our own servers, on free ports (tested by test-e2e)
 *   GATEWAY_PORT=8080            where the gateway listens (default 8080, else a free port)
 *   PLATFORM_DATA_DIR=.data      where our own servers keep their data
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { devJwtSecret } from '../services/gateway/src/dev-secret';
import { ensureServers, freePort, portOpen } from './servers';

const root = join(__dirname, '..');
const own = process.argv.includes('--own-servers');
const say = (line: string) => console.log(`[start] ${line}`);

interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
}

/** Order matters only for readability of the logs: the gateway last, since it fronts the others. */
const services = ['loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync', 'gateway'];

async function waitReady(p: Proc, timeoutMs = 60_000, path = '/readyz'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited with code ${p.child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}${path}`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${p.name} not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const dataDir = process.env.PLATFORM_DATA_DIR ?? join(root, '.data');
  const servers = await ensureServers({ own, dataDir, say });
  servers.report.forEach((l) => say(l));
  const procs: Proc[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null) return resolve();
            p.child.once('exit', () => resolve());
            p.child.kill('SIGTERM');
          }),
      ),
    );
    await servers.stop();
    say('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const spawnTs = (name: string, entry: string, env: Record<string, string>, port: number) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      env: { ...process.env, ...servers.urls, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const p = { name, child, port };
    child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`${name} exited (${signal ?? code}); stopping the platform`);
        void stopAll(1);
      }
    });
    procs.push(p);
    return p;
  };

  const simulatorEntry = join(root, 'services/partner-sync/src/simulator/main.ts');
  let simulatorUrl = '';
  if (existsSync(simulatorEntry)) {
    const port = await freePort();
    simulatorUrl = `http://127.0.0.1:${port}`;
    spawnTs('partner-simulator', simulatorEntry, { HTTP_PORT: String(port), PORT: String(port) }, port);
  }

  const requestedGateway = Number(process.env.GATEWAY_PORT ?? 8080);
  const gatewayPort = (await portOpen(requestedGateway)) ? await freePort() : requestedGateway;
  const started: Proc[] = [];
  for (const name of services) {
    const port = name === 'gateway' ? gatewayPort : await freePort();
    const env: Record<string, string> = { HTTP_PORT: String(port) };
    if (name === 'gateway' && !process.env.JWT_SECRET && !process.env.JWKS_URL && !process.env.JWT_PUBLIC_KEY) {
      env.JWT_SECRET = devJwtSecret(dataDir);
    }
    if (simulatorUrl) env.PARTNER_SIMULATOR_URL = simulatorUrl;
    started.push(spawnTs(name, join(root, 'services', name, 'src/main.ts'), env, port));
  }
  try {
    await Promise.all(started.map((p) => waitReady(p)));
  } catch (e) {
    say(`failed: ${(e as Error).message}`);
    await stopAll(1);
    return;
  }
  for (const p of started) say(`${p.name.padEnd(13)} ready  http://127.0.0.1:${p.port}/readyz`);

  // The web app is built on every start, so what is served is never older than the code.
  say('building the web app...');
  const build = spawnSync('pnpm', ['--filter', '@tlp/web', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) {
    say('the web app did not build; the API is up without it');
  } else {
    const webPort = await freePort();
    const web = spawnTs('web', join(root, 'services/web/src/serve.ts'), { HTTP_PORT: String(webPort), GATEWAY_URL: `http://127.0.0.1:${gatewayPort}` }, webPort);
    await waitReady({ ...web, port: webPort }, 60_000, '/');
    say(`Web app: http://127.0.0.1:${webPort}`);
  }
  if (simulatorUrl) say(`partner simulator    ${simulatorUrl}`);
  say(`tokens for local use: pnpm token -- --tenant demo --role operator   (or --role fan --contact c-1)`);
  say(`Gateway: http://127.0.0.1:${gatewayPort}  (Ctrl-C stops everything)`);
}

void main().catch((e: unknown) => {
  console.error(`[start] ${(e as Error).message}`);
  process.exit(1);
});
