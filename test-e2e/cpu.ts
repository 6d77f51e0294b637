import { readdirSync, readFileSync } from 'node:fs';

/** The shared servers a benchmark's requests also cost CPU in, by their process name. */
const SERVERS = ['nats-server', 'postgres', 'redis-server'];

/** CPU seconds (user + system) of one process so far, or undefined when it is gone or /proc is missing. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function serverPids(): Map<string, number[]> {
  const found = new Map<string, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return found;
  }
  for (const e of entries) {
    try {
      const name = readFileSync(`/proc/${e}/comm`, 'utf8').trim();
      if (SERVERS.includes(name)) found.set(name, [...(found.get(name) ?? []), Number(e)]);
    } catch {
      // The process ended while we listed them.
    }
  }
  return found;
}

export type CpuSnapshot = Map<string, number>;

/** CPU seconds so far of the platform's processes (by name) and of the shared servers (summed per server). */
export function cpuSnapshot(platformPids: Map<string, number>): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  const add = (name: string, pid: number) => {
    const s = cpuSecondsOf(pid);
    if (s !== undefined) snapshot.set(name, (snapshot.get(name) ?? 0) + s);
  };
  for (const [name, pid] of platformPids) add(name.split('#')[0]!, pid);
  for (const [name, pids] of serverPids()) for (const pid of pids) add(name, pid);
  add('bench', process.pid);
  return snapshot;
}

/** Milliseconds of CPU per operation in each process between two snapshots, largest first (empty without /proc). */
export function cpuMsPer(before: CpuSnapshot, after: CpuSnapshot, operations: number): Record<string, number> {
  const perOp = [...after]
    .map(([name, s]) => [name, ((s - (before.get(name) ?? s)) * 1000) / Math.max(1, operations)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(perOp.map(([name, ms]) => [name, Number(ms.toFixed(3))]));
}
