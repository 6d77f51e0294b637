/**
 * The whole platform as separate processes on loopback, against the real servers, isolated by
 * schema, subject prefix, stream and key prefix so that test files run side by side. Tests drive
 * it through HTTP (and webhooks) only, and can kill -9 and restart any process.
 */
import { freePort, infra, isolation, serviceEnv, type Infra, type Isolation } from '@tlp/testkit';
import { SignJWT } from 'jose';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

export { freePort };
export const root = join(__dirname, '..');
export const serviceNames = ['loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync', 'gateway'] as const;
export type ProcessName = (typeof serviceNames)[number] | 'partner-simulator';

const jwtSecret = 'e2e-'.padEnd(48, 'x');

interface Running {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

export interface PlatformOptions {
  label: string;
  /** Extra environment per process, e.g. short retry delays for partner-sync. */
  env?: Partial<Record<ProcessName, Record<string, string>>>;
  /** Replicas per service (the scale-out test runs two). */
  replicas?: number;
}

export class Platform {
  readonly iso: Isolation;
  gatewayUrl = '';
  simulatorUrl = '';
  private readonly procs = new Map<string, Running>();
  private readonly ports = new Map<string, number>();
  private infra!: Infra;

  constructor(private readonly opts: PlatformOptions) {
    this.iso = isolation(opts.label);
  }

  schemaOf(service: string): string {
    return `${this.iso.schema}_${service.replace(/-/g, '_')}`.slice(0, 63);
  }

  /** The HTTP address of one platform process (partner-sync takes partners' webhooks on it). */
  urlOf(name: ProcessName): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  get urls(): Infra {
    return this.infra;
  }

  async start(): Promise<this> {
    this.infra = await infra();
    try {
      if (existsSync(join(root, 'services/partner-sync/src/simulator/main.ts'))) await this.launch('partner-simulator');
      const names = serviceNames.flatMap((s) => Array.from({ length: this.opts.replicas ?? 1 }, (_, r) => (r === 0 ? s : `${s}#${r}`)));
      // Every launch settles before a failure is reported, so the stop below finds each process it started.
      const launched = await Promise.allSettled(names.map((n) => this.launch(n)));
      const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (e) {
      // A platform that did not start stops what it did start: no process outlives its test or benchmark.
      await this.stop().catch(() => undefined);
      throw e;
    }
    this.gatewayUrl = `http://127.0.0.1:${this.ports.get('gateway')}`;
    return this;
  }

  /**
   * Starts a process on a free port. A port is free when asked and may be taken by another test
   * file's process before ours binds it: ours then exits (EADDRINUSE) while the other answers on
   * that port, so readiness checks who answers, and the process starts again on another port.
   */
  private async launch(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      this.ports.set(name, port);
      if (name === 'partner-simulator') this.simulatorUrl = `http://127.0.0.1:${port}`;
      await this.spawn(name);
      try {
        await this.waitReady(name);
        return;
      } catch (e) {
        const exited = this.procs.get(name)!.child.exitCode !== null;
        if (!exited || attempt >= 3) throw e;
      }
    }
  }

  private entry(name: string): string {
    const base = name.split('#')[0]!;
    return base === 'partner-simulator'
      ? join(root, 'services/partner-sync/src/simulator/main.ts')
      : join(root, 'services', base, 'src/main.ts');
  }

  private async spawn(name: string): Promise<void> {
    const base = name.split('#')[0] as ProcessName;
    const port = this.ports.get(name)!;
    const env = {
      ...process.env,
      ...serviceEnv(this.infra, this.iso, { HTTP_PORT: String(port), PORT: String(port) }),
      DB_SCHEMA: this.schemaOf(base),
      JWT_SECRET: jwtSecret,
      PARTNER_SIMULATOR_URL: this.simulatorUrl,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      // A killed consumer's events come back after this; tests kill processes on purpose.
      CONSUMER_ACK_WAIT_MS: '3000',
      ...(this.opts.env?.[base] ?? {}),
    };
    // PLATFORM_CPU_PROFILE_DIR=dir: every process writes a CPU profile there when it stops (docs/performance.md).
    const profile = process.env.PLATFORM_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PLATFORM_CPU_PROFILE_DIR}`] : [];
    // PLATFORM_NODE_FLAGS_<PROCESS>="--trace-gc ...": Node's flags for one process only, e.g. the gateway's GC traced.
    const flags = process.env[`PLATFORM_NODE_FLAGS_${base.toUpperCase().replace(/-/g, '_')}`]?.split(' ').filter(Boolean) ?? [];
    // E2E_LOG_DIR=dir: each process's log lines (pino, on stdout) are appended to dir/<label>/<process>.log.
    const logDir = process.env.E2E_LOG_DIR ? join(process.env.E2E_LOG_DIR, this.opts.label) : undefined;
    if (logDir) mkdirSync(logDir, { recursive: true });
    const out = logDir ? openSync(join(logDir, `${name}.log`), 'a') : 'ignore';
    const child = spawn(process.execPath, [...profile, ...flags, '--import', 'tsx', this.entry(name)], { cwd: root, env, stdio: ['ignore', out, 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.procs.set(name, { child, port, exited });
  }

  /** The process id of each running process of the platform, by name (for benchmarks measuring their CPU). */
  pids(): Map<string, number> {
    const pids = new Map<string, number>();
    for (const [name, p] of this.procs) if (p.child.pid !== undefined && p.child.exitCode === null) pids.set(name, p.child.pid);
    return pids;
  }

  async waitReady(name: string, timeoutMs = 60_000): Promise<void> {
    const p = this.procs.get(name)!;
    const deadline = Date.now() + timeoutMs;
    const simulator = name.startsWith('partner-simulator');
    for (;;) {
      if (p.child.exitCode !== null) throw new Error(`${name} exited with ${p.child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${p.port}${simulator ? '/' : '/readyz'}`);
        if (simulator ? res.status < 500 : res.ok && (await this.answersAs(p.port, name))) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Whether the process on the port is this service, not another one that took the port. */
  private async answersAs(port: number, name: string): Promise<boolean> {
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { service?: string };
    return health.service === name.split('#')[0];
  }

  /** kill -9: no shutdown hook runs, whatever was in flight is cut. */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name)!;
    p.child.kill('SIGKILL');
    await p.exited;
  }

  async restart(name: string): Promise<void> {
    await this.spawn(name);
    await this.waitReady(name);
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.procs.values()].map(async (p) => {
        if (p.child.exitCode === null) p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 6000);
        await p.exited;
        clearTimeout(timer);
      }),
    );
    const pg = new Client({ connectionString: this.infra.databaseUrl });
    await pg.connect();
    try {
      for (const s of [...serviceNames, 'partner-simulator']) await pg.query(`DROP SCHEMA IF EXISTS "${this.schemaOf(s)}" CASCADE`);
    } finally {
      await pg.end();
    }
    const { connectNats } = await import('@tlp/testkit');
    const nc = await connectNats(this.infra);
    await (await nc.jetstreamManager()).streams.delete(this.iso.streamName).catch(() => undefined);
    await nc.close();
  }

  /** A PostgreSQL client on the platform's database, to check invariants in a service's schema. */
  async sql<T = Record<string, unknown>>(service: string, query: string, params: unknown[] = []): Promise<T[]> {
    const pg = new Client({ connectionString: this.infra.databaseUrl, options: `-c search_path=${this.schemaOf(service)}` });
    await pg.connect();
    try {
      return (await pg.query(query, params)).rows as T[];
    } finally {
      await pg.end();
    }
  }

  token(claims: { tenant: string; roles: string[]; contactId?: string; sub?: string }): Promise<string> {
    return new SignJWT({ tenant: claims.tenant, roles: claims.roles, ...(claims.contactId ? { contactId: claims.contactId } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub ?? claims.contactId ?? `${claims.roles[0]}-${claims.tenant}`)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(jwtSecret));
  }

  /** An HTTP client bound to one token; mutations get a fresh Idempotency-Key unless one is given. */
  client(token: string) {
    const base = this.gatewayUrl;
    return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, key?: string) => {
      const res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(method !== 'GET' ? { 'idempotency-key': key ?? crypto.randomUUID() } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
    };
  }
}
