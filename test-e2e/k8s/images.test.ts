/**
 * The images and the compose file, read rather than built (this machine has no Docker daemon):
 * one multi-stage Dockerfile per service whose runtime stage is small and runs as the same
 * non-root user the pods declare, a .dockerignore that keeps host dependencies and data out,
 * and a compose file whose NATS cluster is configured like the Kubernetes one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { natsServerCheck, readNatsConfig, render, root, workloads, type Workload } from './manifests';

const nodeServices = ['gateway', 'loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync'];
const services = [...nodeServices, 'web'];

interface Stage {
  from: string;
  lines: string[];
}

/** Instructions by stage, continuation lines joined. */
function stages(dockerfile: string): Stage[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)/i.exec(line);
    if (from) out.push({ from: from[1]!, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

const instruction = (stage: Stage, name: string) => stage.lines.filter((l) => l.toUpperCase().startsWith(`${name} `));

describe.each(services)('the %s image', (name) => {
  const path = join(root, 'services', name, 'Dockerfile');
  let runtime: Stage;
  let build: Stage[];
  let pod: Workload;

  beforeAll(() => {
    const all = stages(readFileSync(path, 'utf8'));
    runtime = all.at(-1)!;
    build = all.slice(0, -1);
    pod = workloads(render('dev')).find((w) => w.name === name)!;
  });

  it('is built in stages, and the runtime stage starts from a small image', () => {
    expect(build.length).toBeGreaterThanOrEqual(1);
    const base = runtime.from.startsWith('${') ? /ARG NODE_IMAGE=(\S+)/.exec(readFileSync(path, 'utf8'))?.[1] : runtime.from;
    expect(base).toMatch(/slim|alpine|distroless/);
  });

  it('runs as the same non-root user that the pod declares', () => {
    const users = instruction(runtime, 'USER');
    expect(users).toHaveLength(1);
    const uid = Number(users[0]!.split(/\s+/)[1]!.split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    expect(pod.pod.securityContext?.runAsUser).toBe(uid);
  });

  it('listens on the port the pod and its probes use', () => {
    const port = pod.pod.containers[0]!.ports!.find((p) => p.name === 'http')!.containerPort;
    expect(instruction(runtime, 'EXPOSE')).toEqual([`EXPOSE ${port}`]);
  });

  if (name !== 'web') {
    it('bundles the service entry point in the build stage and runs only the bundle', () => {
      const built = build.flatMap((s) => instruction(s, 'RUN')).join('\n');
      expect(built).toContain(`--frozen-lockfile`);
      expect(built).toMatch(new RegExp(`esbuild\\S* services/${name}/src/main\\.ts --bundle --platform=node .*--outfile=dist/main\\.js`));
      expect(instruction(runtime, 'COPY')).toEqual(['COPY --from=build /src/dist/ ./']);
      expect(instruction(runtime, 'CMD')).toEqual(['CMD ["node", "--enable-source-maps", "main.js"]']);
    });
  }
});

it('keeps host dependencies, git history and local data out of the build context', () => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['**/node_modules', '.git', '.data', '**/dist']) expect(ignored).toContain(entry);
});

describe('the compose file', () => {
  interface ComposeService {
    build?: { context: string; dockerfile: string };
    environment?: Record<string, string>;
    volumes?: string[];
  }
  let compose: { services: Record<string, ComposeService> };
  const infra = join(root, 'infra');

  beforeAll(() => {
    compose = parse(readFileSync(join(infra, 'docker-compose.yml'), 'utf8'), { merge: true }) as typeof compose;
  });

  it('builds every service from its own Dockerfile and replicates the stream over the three NATS servers', () => {
    for (const name of services) {
      const build = compose.services[name]?.build;
      expect(build).toEqual({ context: '..', dockerfile: `services/${name}/Dockerfile` });
      expect(existsSync(join(infra, build!.context, build!.dockerfile))).toBe(true);
    }
    for (const name of nodeServices) expect(compose.services[name]?.environment).toMatchObject({ STREAM_REPLICAS: '3', HTTP_HOST: '0.0.0.0' });
  });

  it('runs a 3-node JetStream cluster whose routes name its own servers and which fsyncs every write', () => {
    const natsNodes = Object.keys(compose.services).filter((s) => /^nats-\d$/.test(s));
    expect(natsNodes).toEqual(['nats-1', 'nats-2', 'nats-3']);
    const mounts = natsNodes.map((n) => compose.services[n]!.volumes?.find((v) => v.endsWith(':/etc/nats/nats.conf:ro'))?.split(':')[0]);
    expect(new Set(mounts)).toEqual(new Set(['./nats/nats-cluster.conf']));
    const text = readFileSync(join(infra, 'nats', 'nats-cluster.conf'), 'utf8');
    const conf = readNatsConfig(text);
    expect(conf.syncInterval).toBe('always');
    expect(conf.serverNameFrom).toBe('$SERVER_NAME');
    expect(conf.routes).toEqual(natsNodes.map((n) => `nats://${n}:${conf.clusterPort}`));
    for (const n of natsNodes) expect(compose.services[n]!.environment).toEqual({ SERVER_NAME: n });
    const checked = natsServerCheck('nats-cluster.conf', text, { SERVER_NAME: 'nats-1' });
    if (checked) expect({ version: checked.version, ok: checked.ok, output: checked.output }).toMatchObject({ ok: true });
  });
});
