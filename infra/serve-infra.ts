/** Starts the local servers that are missing and keeps them running until killed (see ensure-servers.ts). */
import { join } from 'node:path';
import { ensureServers } from './servers';

async function main(): Promise<void> {
  const servers = await ensureServers({
    own: false,
    dataDir: process.env.PLATFORM_DATA_DIR ?? join(__dirname, '..', '.data'),
    say: (line) => console.log(`serve-infra: ${line}`),
  });
  for (const line of servers.report) console.log(`serve-infra: ${line}`);
  const stop = () => void servers.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  setInterval(() => undefined, 1 << 30);
}

void main().catch((e: unknown) => {
  console.error(`serve-infra: ${(e as Error).message}`);
  process.exit(1);
});
