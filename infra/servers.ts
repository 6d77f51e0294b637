/**
 * Finds or starts the three servers the platform needs. In order: the URL in the environment,
 * a server already on the default local port, else one of our own (installing Debian's package
 * when it is missing and we are root), with its data in a git-ignored folder so it survives
 * restarts. `own: true` always starts our own, on free ports.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portOpen } from '../packages/testkit/src';

export { freePort, portOpen };

export interface ServerUrls {
  NATS_URL: string;
  DATABASE_URL: string;
  REDIS_URL: string;
}

export interface Servers {
  urls: ServerUrls;
  /** What was found or started, one line each, for the person at the terminal. */
  report: string[];
  stop(): Promise<void>;
}

type Say = (line: string) => void;

const isRoot = () => process.getuid?.() === 0;

async function waitForPort(port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline) throw new Error(`${what} did not open port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const which = (cmd: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

let aptUpdated = false;
function aptInstall(pkg: string, say: Say): void {
  if (!isRoot()) throw new Error(`${pkg} is not installed and we are not root: install it with "sudo apt-get install ${pkg}" or set its URL`);
  say(`installing Debian's ${pkg} (apt-get install -y ${pkg})`);
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function postgresBin(say: Say): string {
  const base = '/usr/lib/postgresql';
  const find = () => (existsSync(base) ? readdirSync(base).sort().reverse().map((v) => join(base, v, 'bin')).find((d) => existsSync(join(d, 'initdb'))) : undefined);
  let bin = find();
  if (!bin) {
    aptInstall('postgresql', say);
    bin = find();
  }
  if (!bin) throw new Error('PostgreSQL binaries not found after install');
  return bin;
}

/** Runs a PostgreSQL tool as the postgres user when we are root (PostgreSQL refuses to run as root). */
function pgRun(bin: string, tool: string, args: string[]): void {
  const cmd = join(bin, tool);
  if (isRoot()) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' });
  else execFileSync(cmd, args, { stdio: 'ignore' });
}

function ownDir(dataDir: string, name: string): string {
  const dir = join(dataDir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function startPostgres(dataDir: string, port: number, say: Say): Promise<() => Promise<void>> {
  const bin = postgresBin(say);
  const dir = ownDir(dataDir, 'postgres');
  if (isRoot()) {
    // The postgres user must be able to reach its cluster inside our (root-owned) data folder.
    chmodSync(dataDir, 0o755);
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    say(`creating a PostgreSQL cluster in ${dir}`);
    pgRun(bin, 'initdb', ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  }
  say(`starting PostgreSQL on 127.0.0.1:${port} (data in ${dir})`);
  pgRun(bin, 'pg_ctl', ['-D', dir, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on`, 'start']);
  return async () => pgRun(bin, 'pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop']);
}

function startChild(cmd: string, args: string[], port: number, what: string): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn(cmd, args, { stdio: 'ignore', detached: false });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return waitForPort(port, what).then(() => stop);
}

export async function startNats(dataDir: string, port: number, say: Say): Promise<() => Promise<void>> {
  if (!which('nats-server')) aptInstall('nats-server', say);
  const dir = ownDir(dataDir, 'nats');
  say(`starting NATS with JetStream on 127.0.0.1:${port} (data in ${dir})`);
  return startChild('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], port, 'NATS');
}

async function startRedis(dataDir: string, port: number, say: Say): Promise<() => Promise<void>> {
  if (!which('redis-server')) aptInstall('redis-server', say);
  const dir = ownDir(dataDir, 'redis');
  say(`starting Redis on 127.0.0.1:${port} (data in ${dir})`);
  return startChild('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], port, 'Redis');
}

const specs = [
  { key: 'DATABASE_URL', name: 'PostgreSQL', port: 5432, url: (p: number) => `postgres://postgres@127.0.0.1:${p}/postgres`, start: startPostgres },
  { key: 'NATS_URL', name: 'NATS', port: 4222, url: (p: number) => `nats://127.0.0.1:${p}`, start: startNats },
  { key: 'REDIS_URL', name: 'Redis', port: 6379, url: (p: number) => `redis://127.0.0.1:${p}`, start: startRedis },
] as const;

export async function ensureServers(opts: { own: boolean; dataDir: string; say: Say }): Promise<Servers> {
  const urls: Partial<ServerUrls> = {};
  const report: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const s of specs) {
      const fromEnv = process.env[s.key];
      if (!opts.own && fromEnv) {
        urls[s.key] = fromEnv;
        report.push(`${s.name}: ${fromEnv} (from ${s.key})`);
      } else if (!opts.own && (await portOpen(s.port))) {
        urls[s.key] = s.url(s.port);
        report.push(`${s.name}: already running on 127.0.0.1:${s.port}`);
      } else {
        const port = opts.own ? await freePort() : s.port;
        stops.push(await s.start(opts.dataDir, port, opts.say));
        urls[s.key] = s.url(port);
        report.push(`${s.name}: started by us on 127.0.0.1:${port}`);
      }
    }
  } catch (e) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw e;
  }
  return {
    urls: urls as ServerUrls,
    report,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
