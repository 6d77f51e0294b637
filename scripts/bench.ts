/**
 * `pnpm bench <name>` runs services/<service>/bench/<name>.ts (or test-e2e/bench/<name>.ts);
 * `pnpm bench` alone lists them. Each benchmark prints one JSON line last.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const benchDirs = [
  ...readdirSync(join(root, 'services')).map((s) => join(root, 'services', s, 'bench')),
  join(root, 'test-e2e', 'bench'),
].filter((d) => existsSync(d));
const benches = new Map<string, string>();
for (const dir of benchDirs) {
  for (const f of readdirSync(dir)) if (f.endsWith('.ts')) benches.set(f.replace(/\.ts$/, ''), join(dir, f));
}

const name = process.argv[2];
if (!name) {
  console.log(`benchmarks: ${[...benches.keys()].sort().join(', ') || '(none yet)'}\nrun one with: pnpm bench <name>`);
  process.exit(0);
}
const file = benches.get(name);
if (!file) {
  console.error(`unknown benchmark "${name}"; known: ${[...benches.keys()].sort().join(', ')}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...process.argv.slice(3)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
