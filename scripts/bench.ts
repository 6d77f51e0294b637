/**
 * `pnpm bench <name>` runs services/<service>/bench/<name>.ts (or test-e2e/bench/<name>.ts);
 * `pnpm bench` alone (or `pnpm bench all`) runs every one in turn, prints one table of their
 * figures with each target and ratio to its same-run baseline, and writes that table into the
 * marked section of docs/performance.md (BENCH_DOC names another file); `pnpm bench all a b`
 * does the same for a and b only; `pnpm bench list` lists them. Each benchmark prints one JSON
 * line last.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

type Figures = Record<string, unknown>;
/** What each issue asks of its benchmark: the figure it is judged on, and the bound. */
const targets: Record<string, { figure: string; atLeast?: number; atMost?: number; also?: (f: Figures) => boolean; text: string }> = {
  'codes-generate': { figure: 'seconds', atMost: 15, text: '≤ 15 s for 1,000,000 codes' },
  'gateway-quote': { figure: 'ratio', atLeast: 0.35, also: (f) => Number(f.p99Ms) < 50, text: '≥ 35 % of bare express, p99 < 50 ms' },
  'loyalty-earn': { figure: 'eventsPerSec', atLeast: 5000, also: (f) => Number(f.ratio) >= 1, text: '≥ 5,000 events/s, ratio ≥ 1.0 to single-row inserts' },
  'promotion-evaluate': { figure: 'perSec', atLeast: 3000, text: '≥ 3,000 evaluations/s' },
  renewal: { figure: 'seconds', atMost: 30, text: '≤ 30 s for 100,000 holders' },
  'voucher-redeem': { figure: 'pairsPerSec', atLeast: 1500, text: '≥ 1,500 pairs/s' },
  load: { figure: 'violations', atMost: 0, text: 'no invariant broken' },
};

function runOne(name: string, capture: boolean, args: string[]): { status: number; last?: Figures } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', benches.get(name)!, ...args], {
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!capture) return { status: r.status ?? 1 };
  process.stdout.write(r.stdout);
  const line = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return { status: r.status ?? 1, ...(line ? { last: JSON.parse(line) as Figures } : {}) };
}

function verdict(name: string, status: number, f: Figures | undefined): string {
  const t = targets[name];
  if (!f) return `failed to run (exit ${status})`;
  if (status !== 0) return `failed (exit ${status})`;
  if (!t) return '—';
  const v = Number(f[t.figure]);
  const met = (t.atLeast === undefined || v >= t.atLeast) && (t.atMost === undefined || v <= t.atMost) && (t.also?.(f) ?? true);
  return met ? 'met' : 'not met';
}

/** Returns whether every benchmark ran to the end. */
function runAll(names: string[]): boolean {
  const rows: string[] = [];
  let allRan = true;
  for (const name of names) {
    console.error(`\n=== ${name}`);
    const { status, last } = runOne(name, true, []);
    allRan &&= status === 0;
    const { bench: _bench, byOperation: _detail, ...figures } = last ?? {};
    const baseline = Object.entries(figures).find(([k]) => /^baseline|^bare/.test(k));
    const ratio = figures.ratio ?? (baseline ? '' : '—');
    rows.push(`| \`${name}\` | ${targets[name]?.text ?? '—'} | \`${JSON.stringify(figures)}\` | ${baseline ? `${baseline[0]} ${baseline[1]}` : '—'} | ${ratio} | ${verdict(name, status, last)} |`);
  }
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const every = names.length === benches.size;
  const table = [
    `Run by \`pnpm bench ${every ? 'all' : `all ${names.join(' ')}`}\` on ${when} UTC (load average at the end: ${load}).`,
    '',
    '| benchmark | target | figures (last line) | baseline, same run | ratio | status |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  console.log(`\n${table}`);
  const doc = process.env.BENCH_DOC ?? join(root, 'docs', 'performance.md');
  const start = '<!-- bench all: start -->';
  const end = '<!-- bench all: end -->';
  const text = readFileSync(doc, 'utf8');
  const section = `${start}\n${table}\n${end}`;
  const next = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), () => section) : `${text.trimEnd()}\n\n## Every benchmark, one run\n\n${section}\n`;
  writeFileSync(doc, next);
  console.error(`written to ${doc}`);
  return allRan;
}

const [name = 'all', ...args] = process.argv.slice(2);
if (name === 'list') {
  console.log(`benchmarks: ${[...benches.keys()].sort().join(', ')}\nrun one with: pnpm bench <name>, all of them with: pnpm bench (or pnpm bench all), some with: pnpm bench all <name>...`);
  process.exit(0);
}
if (name === 'all') {
  const unknown = args.filter((a) => !benches.has(a));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${[...benches.keys()].sort().join(', ')}`);
    process.exit(2);
  }
  process.exit(runAll(args.length ? args : [...benches.keys()].sort()) ? 0 : 1);
}
if (!benches.has(name)) {
  console.error(`unknown benchmark "${name}"; known: ${[...benches.keys()].sort().join(', ')}`);
  process.exit(2);
}
process.exit(runOne(name, false, args).status);
