import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The local development signing secret, made once and kept in the git-ignored .data folder. */
export function devJwtSecret(dataDir = process.env.PLATFORM_DATA_DIR ?? join(__dirname, '..', '..', '..', '.data')): string {
  const file = join(dataDir, 'dev-jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}
