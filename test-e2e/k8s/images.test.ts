/**
 * The images and the compose file, read rather than built (this machine has no Docker daemon):
 * one Dockerfile per service, the runtime stage of its image, small and run as the same non-root
 * user the pods declare, whose build stage is the one every image shares
 * (services/node-build.Dockerfile, given as the build context `node-build`); a .dockerignore
 * that keeps host dependencies and data out, and a compose file whose NATS cluster is
 * configured like the Kubernetes one.
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

const sharedBuildPath = join(root, 'services', 'node-build.Dockerfile');
const sharedBuild = () => readFileSync(sharedBuildPath, 'utf8');

describe.each(services)('the %s image', (name) => {
  const path = join(root, 'services', name, 'Dockerfile');
  let runtime: Stage;
  let build: Stage[];
  let pod: Workload;

  beforeAll(() => {
    const own = stages(readFileSync(path, 'utf8'));
    expect(own).toHaveLength(1);
    runtime = own[0]!;
    build = stages(sharedBuild());
    pod = workloads(render('dev')).find((w) => w.name === name)!;
  });

  it('is built in stages: its files come from the shared build stage, its runtime starts from a small image', () => {
    expect(build.length).toBeGreaterThanOrEqual(1);
    expect(instruction(runtime, 'COPY').filter((c) => c.startsWith('COPY --from=node-build '))).toHaveLength(1);
    expect(runtime.from).toMatch(/slim|alpine|distroless/);
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
    // Without the pod's environment the Node image listens there too: node --env-file defaults.
    if (name !== 'web') expect(sharedBuild()).toContain(`HTTP_HOST=0.0.0.0\\nHTTP_PORT=${port}\\n`);
  });

  if (name !== 'web') {
    it('bundles the service entry point in the shared build stage and runs only the bundle', () => {
      const built = build.flatMap((s) => instruction(s, 'RUN')).join('\n');
      expect(built).toContain(`--frozen-lockfile`);
      expect(/ARG NODE_SERVICES="([^"]+)"/.exec(sharedBuild())?.[1]?.split(' ')).toContain(name);
      expect(built).toMatch(/esbuild\S* .*'%s=services\/%s\/src\/main\.ts '.* --bundle --platform=node .*--outdir=\/bundles/);
      expect(instruction(runtime, 'COPY')).toEqual([`COPY --from=node-build /bundles/${name}.js /bundles/${name}.js.map /bundles/image.env /app/`]);
      expect(instruction(runtime, 'CMD')).toEqual([`CMD ["node", "--env-file=/app/image.env", "--enable-source-maps", "/app/${name}.js"]`]);
    });
  } else {
    it('serves the files the shared build stage built with Vite', () => {
      expect(build.flatMap((s) => instruction(s, 'RUN'))).toContain('RUN pnpm --filter @tlp/web run build');
      expect(instruction(runtime, 'COPY').filter((c) => c.startsWith('COPY --from='))).toEqual(['COPY --from=node-build /src/services/web/dist /usr/share/nginx/html']);
    });
  }
});

it('builds every Node service in the shared build stage, and nothing else', () => {
  expect(/ARG NODE_SERVICES="([^"]+)"/.exec(sharedBuild())?.[1]?.split(' ').sort()).toEqual([...nodeServices].sort());
});

it('keeps host dependencies, git history and local data out of the build context', () => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['**/node_modules', '.git', '.data', '**/dist']) expect(ignored).toContain(entry);
});

describe('the compose file', () => {
  interface ComposeService {
    build?: { context: string; dockerfile: string; additional_contexts?: Record<string, string> };
    environment?: Record<string, string>;
    volumes?: string[];
  }
  let compose: { services: Record<string, ComposeService> };
  const infra = join(root, 'infra');

  beforeAll(() => {
    compose = parse(readFileSync(join(infra, 'docker-compose.yml'), 'utf8'), { merge: true }) as typeof compose;
  });

  it('builds every service from its own Dockerfile on the shared build stage and replicates the stream over the three NATS servers', () => {
    expect(compose.services['node-build']?.build).toEqual({ context: '..', dockerfile: 'services/node-build.Dockerfile' });
    for (const name of services) {
      const build = compose.services[name]?.build;
      expect(build).toEqual({ context: '..', dockerfile: `services/${name}/Dockerfile`, additional_contexts: { 'node-build': 'service:node-build' } });
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
