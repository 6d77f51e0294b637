import express, { type Express } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<void>;

/**
 * `/healthz` says the process is alive and which service it is (so a probe or a test that reached
 * another process on a reused port can tell); `/readyz` says its dependencies answer (each check named,
 * so an operator sees which one is down); `/metrics` is for Prometheus. Only `required` checks decide
 * readiness; a `reported` one failing makes the answer `degraded`, still ready: a dependency every
 * pod shares (Redis) would otherwise take every pod out of its Service at once.
 */
export function createOpsApp(
  service: string,
  checks: { required: Record<string, ReadinessCheck>; reported: Record<string, ReadinessCheck> },
  registry: Registry,
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service });
  });
  app.get('/readyz', async (_req, res) => {
    const named = [
      ...Object.entries(checks.required).map(([name, check]) => ({ name, check, required: true })),
      ...Object.entries(checks.reported).map(([name, check]) => ({ name, check, required: false })),
    ];
    const results = await Promise.all(
      named.map(async ({ name, check, required }) => {
        try {
          await withTimeout(check(), 2000);
          return { name, required, result: { ok: true } };
        } catch (e) {
          return { name, required, result: { ok: false, error: (e as Error).message } };
        }
      }),
    );
    const ready = results.every((r) => r.result.ok || !r.required);
    const status = !ready ? 'not-ready' : results.every((r) => r.result.ok) ? 'ready' : 'degraded';
    res.status(ready ? 200 : 503).json({ status, checks: Object.fromEntries(results.map((r) => [r.name, r.result])) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}

export function listen(app: Express, port: number, host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) reject(err);
      else resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
