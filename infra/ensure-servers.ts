/**
 * Used by the test command: makes sure PostgreSQL, NATS JetStream and Redis answer on their
 * default local ports (or at the URLs in the environment), starting them in the background
 * when they do not. The servers it starts keep running after it exits, for the tests.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { portOpen } from './servers';

const defaults = [
  { key: 'DATABASE_URL', port: 5432 },
  { key: 'NATS_URL', port: 4222 },
  { key: 'REDIS_URL', port: 6379 },
];

async function main(): Promise<void> {
  const missing = [];
  for (const d of defaults) if (!process.env[d.key] && !(await portOpen(d.port))) missing.push(d.key);
  if (missing.length === 0) return;
  console.log(`ensure-servers: ${missing.join(', ')} not answering; starting local servers`);
  // A detached launcher owns them, so they outlive this process and serve the whole test run.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'serve-infra.ts')], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  child.unref();
  const deadline = Date.now() + 180_000;
  for (;;) {
    const still = [];
    for (const d of defaults) if (missing.includes(d.key) && !(await portOpen(d.port))) still.push(d.key);
    if (still.length === 0) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      console.error(`ensure-servers: could not bring up ${still.join(', ')}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log('ensure-servers: servers are up');
}

void main();
