/**
 * Serves the built web app and forwards the API to the gateway, so the browser sees one origin:
 *
 *   GATEWAY_URL=http://127.0.0.1:8080 HTTP_PORT=5173 node --import tsx services/web/src/serve.ts
 *
 * Builds the app first when dist/ is missing or older than a source file. Answers /healthz and
 * /readyz like the services; every other unknown path gets index.html (client-side routes).
 */
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const dist = join(webRoot, 'dist');
const say = (line: string) => process.stdout.write(`[web] ${line}\n`);

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

async function ensureBuilt(): Promise<void> {
  const index = join(dist, 'index.html');
  const sources = Math.max(newestSource(join(webRoot, 'src/app')), statSync(join(webRoot, 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  say('building the web app...');
  const { build } = await import('vite');
  await build({ root: webRoot, logLevel: 'warn' });
}

export async function serveWeb(opts: { gatewayUrl: string; port: number; host?: string }): Promise<Server> {
  await ensureBuilt();
  const app = express();
  app.disable('x-powered-by');
  app.get(['/healthz', '/readyz'], (_req, res) => {
    res.json({ status: 'ok', service: 'web' });
  });
  app.use(createProxyMiddleware({ target: opts.gatewayUrl, pathFilter: ['/v1', '/docs'], xfwd: true }));
  app.use('/assets', express.static(join(dist, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  app.use(express.static(dist, { index: false }));
  app.use((_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(join(dist, 'index.html'));
  });
  return new Promise((resolve) => {
    const server = app.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}

async function main(): Promise<void> {
  const gatewayUrl = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';
  const port = Number(process.env.HTTP_PORT ?? 5173);
  const server = await serveWeb({ gatewayUrl, port, host: process.env.HTTP_HOST });
  say(`web app at http://127.0.0.1:${port}  (API from ${gatewayUrl})`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`[web] ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
