/**
 * k8s/: both overlays render with `kubectl kustomize`, every object validates against the
 * Kubernetes API schema of its kind (kubernetes-models), and the rendered platform has what
 * issue 9 asks for: a Deployment, Service, HPA and PDB per service, probes, resources, a non-root
 * read-only security context, config and secrets by reference, network policies that open only
 * the gateway, partner-sync and the web app to the outside, and a 3-node JetStream cluster that
 * fsyncs every write and keeps the stream on all three nodes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  allowedTraffic,
  named,
  natsServerCheck,
  ofKind,
  readNatsConfig,
  render,
  root,
  schemaErrors,
  selects,
  workloads,
  type Container,
  type K8sObject,
  type Workload,
} from './manifests';

const nodeServices = ['gateway', 'loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync'];
const services = [...nodeServices, 'web'];
const publicServices = ['gateway', 'partner-sync', 'web'];

const containers = (w: Workload): Container[] => w.pod.containers;
const portNames = (c: Container) => (c.ports ?? []).map((p) => p.name);

describe.each(['dev', 'prod'])('the %s overlay', (overlay) => {
  let objects: K8sObject[];
  let all: Workload[];
  const workload = (name: string) => {
    const w = all.find((x) => x.name === name);
    if (!w) throw new Error(`no workload ${name}`);
    return w;
  };

  beforeAll(() => {
    objects = render(overlay);
    all = workloads(objects);
  });

  it('renders with kubectl kustomize into one namespace that enforces the restricted pod security standard', () => {
    const namespaces = ofKind(objects, 'Namespace');
    expect(namespaces).toHaveLength(1);
    const ns = namespaces[0]!;
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(`${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name} in ${ns.metadata.name}`);
  });

  it('validates every rendered object against the Kubernetes API schema of its kind', () => {
    const kinds = new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`));
    expect([...kinds].sort()).toEqual(
      [
        'apps/v1/Deployment',
        'apps/v1/StatefulSet',
        'autoscaling/v2/HorizontalPodAutoscaler',
        'networking.k8s.io/v1/Ingress',
        'networking.k8s.io/v1/NetworkPolicy',
        'policy/v1/PodDisruptionBudget',
        'v1/ConfigMap',
        'v1/Namespace',
        'v1/Service',
      ].sort(),
    );
    expect(schemaErrors(objects).filter(Boolean)).toEqual([]);
  });

  it('has a schema check that does refuse broken objects', () => {
    const noSelector = structuredClone(named(objects, 'Deployment', 'loyalty')) as K8sObject & { spec: { selector?: unknown } };
    delete noSelector.spec.selector;
    const unknownKind = { ...named(objects, 'Service', 'loyalty'), kind: 'Servce' };
    const [first, second] = schemaErrors([noSelector, unknownKind]);
    expect(first).toMatch(/selector/);
    expect(second).toMatch(/Servce/);
  });

  it.each(services)('runs %s as a Deployment behind a Service, with an autoscaler and a disruption budget', (name) => {
    const w = workload(name);
    expect(w.kind).toBe('Deployment');
    // The autoscaler owns the count: a replicas field would reset it at every apply.
    expect(w.replicas).toBeUndefined();
    const [container] = containers(w);
    const service = named(objects, 'Service', name).spec as { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
    expect(all.filter((x) => selects({ matchLabels: service.selector }, x.labels)).map((x) => x.name)).toEqual([name]);
    for (const p of service.ports) expect(portNames(container!)).toContain(p.targetPort);

    const hpa = ofKind(objects, 'HorizontalPodAutoscaler').filter((h) => (h.spec?.scaleTargetRef as { name: string }).name === name);
    expect(hpa).toHaveLength(1);
    const hs = hpa[0]!.spec as { scaleTargetRef: { kind: string; apiVersion: string }; minReplicas: number; maxReplicas: number };
    expect(hs.scaleTargetRef).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1' });
    expect(hs.minReplicas).toBeGreaterThanOrEqual(overlay === 'prod' ? 2 : 1);
    expect(hs.maxReplicas).toBeGreaterThanOrEqual(Math.max(2, hs.minReplicas));

    const pdbs = ofKind(objects, 'PodDisruptionBudget').filter((p) => selects((p.spec as { selector: { matchLabels: Record<string, string> } }).selector, w.labels));
    expect(pdbs.map((p) => p.metadata.name)).toEqual([name]);
    expect(pdbs[0]!.spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('probes /healthz for liveness and /readyz for readiness on the HTTP port of every service', () => {
    for (const name of services) {
      for (const c of containers(workload(name))) {
        expect({ name, path: c.livenessProbe?.httpGet?.path, port: c.livenessProbe?.httpGet?.port }).toEqual({ name, path: '/healthz', port: 'http' });
        expect({ name, path: c.readinessProbe?.httpGet?.path, port: c.readinessProbe?.httpGet?.port }).toEqual({ name, path: '/readyz', port: 'http' });
        expect(portNames(c)).toContain('http');
      }
    }
  });

  it('rolls out one new pod before an old one goes, and lets a stopping pod finish within its grace period', () => {
    const platformConfig = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('tlp-platform'))?.data ?? {};
    for (const name of services) {
      const w = workload(name);
      const strategy = (w.object.spec as { strategy?: { type?: string; rollingUpdate?: unknown } }).strategy;
      expect({ name, strategy }).toEqual({ name, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
      const [c] = containers(w);
      // A Node service migrates before it listens: the startup probe gives it the time.
      if (nodeServices.includes(name)) expect({ name, startupProbe: c!.startupProbe?.httpGet?.path }).toEqual({ name, startupProbe: '/healthz' });
      // The pause before SIGTERM, then the service's own shutdown, both inside the grace period.
      const pause = Number(c!.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      const shutdown = nodeServices.includes(name) ? Number(platformConfig.SHUTDOWN_TIMEOUT_MS) / 1000 : 0;
      expect({ name, pause: pause > 0, withinGrace: pause + shutdown < (w.pod.terminationGracePeriodSeconds ?? 30) }).toEqual({ name, pause: true, withinGrace: true });
    }
  });

  it('gives every container CPU and memory requests and limits', () => {
    for (const w of all) {
      for (const c of containers(w)) {
        expect({ container: `${w.name}/${c.name}`, requests: Object.keys(c.resources?.requests ?? {}).sort(), limits: Object.keys(c.resources?.limits ?? {}).sort() }).toEqual({
          container: `${w.name}/${c.name}`,
          requests: ['cpu', 'memory'],
          limits: ['cpu', 'memory'],
        });
      }
    }
  });

  it('runs every container as non-root on a read-only root file system, without privileges or API token', () => {
    for (const w of all) {
      expect({ w: w.name, automount: w.pod.automountServiceAccountToken, seccomp: w.pod.securityContext?.seccompProfile?.type }).toEqual({
        w: w.name,
        automount: false,
        seccomp: 'RuntimeDefault',
      });
      for (const c of containers(w)) {
        const sc = { ...w.pod.securityContext, ...c.securityContext };
        expect({ c: `${w.name}/${c.name}`, nonRoot: sc.runAsNonRoot, uidNotRoot: sc.runAsUser !== 0 }).toEqual({ c: `${w.name}/${c.name}`, nonRoot: true, uidNotRoot: true });
        expect({ c: `${w.name}/${c.name}`, ro: sc.readOnlyRootFilesystem, escalation: sc.allowPrivilegeEscalation, drop: sc.capabilities?.drop }).toEqual({
          c: `${w.name}/${c.name}`,
          ro: true,
          escalation: false,
          drop: ['ALL'],
        });
      }
    }
  });

  it('takes configuration from a rendered ConfigMap and secrets by reference only, none of them committed', () => {
    const configMaps = new Set(ofKind(objects, 'ConfigMap').map((c) => c.metadata.name));
    const runbook = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    expect(ofKind(objects, 'Secret')).toEqual([]);
    for (const w of all) {
      for (const c of containers(w)) {
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) expect(configMaps).toContain(from.configMapRef.name);
          // Every Secret the pods expect is one the runbook tells how to create.
          if (from.secretRef) expect(runbook).toContain(from.secretRef.name);
        }
        for (const e of c.env ?? []) {
          if (e.valueFrom?.secretKeyRef) expect(runbook).toContain(e.valueFrom.secretKeyRef.name);
          // A URL with a password in it belongs in a Secret.
          expect(`${e.name}=${e.value ?? ''}`).not.toMatch(/:\/\/[^/\s]*:[^@/\s]+@/);
        }
      }
      for (const v of w.pod.volumes ?? []) if (v.configMap) expect(configMaps).toContain(v.configMap.name);
    }
    for (const name of nodeServices) {
      const [c] = containers(workload(name));
      const secretEnv = Object.fromEntries((c!.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom!.secretKeyRef!.name]));
      expect(secretEnv).toEqual({ DATABASE_URL: `tlp-${name}-postgres`, REDIS_URL: 'tlp-redis' });
    }
  });

  it('configures the services for the cluster: all interfaces, the NATS Service, a 3-way replicated stream', () => {
    const platformConfig = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('tlp-platform'));
    const data = platformConfig?.data ?? {};
    expect(data).toMatchObject({ HTTP_HOST: '0.0.0.0', STREAM_REPLICAS: '3', STREAM_NAME: 'EVENTS', RUN_MIGRATIONS: 'true' });
    for (const name of nodeServices) {
      const [c] = containers(workload(name));
      expect(c!.envFrom?.some((f) => f.configMapRef?.name === platformConfig?.metadata.name)).toBe(true);
      expect(c!.ports?.find((p) => p.name === 'http')?.containerPort).toBe(Number(data.HTTP_PORT));
    }
    const natsUrl = new URL(data.NATS_URL ?? '');
    const natsService = named(objects, 'Service', natsUrl.hostname).spec as { selector: Record<string, string>; ports: { port: number }[] };
    expect(natsService.ports.map((p) => p.port)).toContain(Number(natsUrl.port));
    expect(selects({ matchLabels: natsService.selector }, workload('nats').labels)).toBe(true);
  });

  it('runs NATS as a 3-node JetStream cluster with its own volumes, fsync on every write, and a disruption budget', () => {
    const nats = workload('nats');
    expect(nats.kind).toBe('StatefulSet');
    expect(nats.replicas).toBe(3);
    const spec = nats.object.spec as { serviceName: string; volumeClaimTemplates: { metadata: { name: string } }[] };
    const headless = named(objects, 'Service', spec.serviceName).spec as { clusterIP: string; publishNotReadyAddresses: boolean };
    expect(headless).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    const [c] = containers(nats);
    const configVolume = nats.pod.volumes?.find((v) => v.configMap);
    const configMount = c!.volumeMounts?.find((m) => m.name === configVolume?.name);
    const configMap = named(objects, 'ConfigMap', configVolume!.configMap!.name);
    const configPath = c!.args?.[c!.args.indexOf('--config') + 1] ?? '';
    const file = configPath.slice(`${configMount?.mountPath}/`.length);
    const text = configMap.data?.[file];
    expect(text).toBeDefined();

    const conf = readNatsConfig(text!);
    expect(conf.syncInterval).toBe('always');
    expect(conf.routes.sort()).toEqual([0, 1, 2].map((i) => `nats://${nats.name}-${i}.${spec.serviceName}:${conf.clusterPort}`));
    expect(c!.ports?.find((p) => p.name === 'cluster')?.containerPort).toBe(conf.clusterPort);
    // Each server is named after its pod, and stores on its own claim.
    expect(conf.serverNameFrom).toBe('$POD_NAME');
    expect(c!.env?.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef).toEqual({ fieldPath: 'metadata.name' });
    const dataMount = c!.volumeMounts?.find((m) => spec.volumeClaimTemplates.some((t) => t.metadata.name === m.name));
    expect(conf.storeDir?.startsWith(`${dataMount?.mountPath}/`)).toBe(true);

    const checked = natsServerCheck('nats.conf', text!, { POD_NAME: `${nats.name}-0` });
    if (checked) expect({ version: checked.version, ok: checked.ok, output: checked.output }).toMatchObject({ ok: true });

    const pdb = ofKind(objects, 'PodDisruptionBudget').find((p) => selects((p.spec as { selector: { matchLabels: Record<string, string> } }).selector, nats.labels));
    expect(pdb?.spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('lets traffic in from outside to the gateway, partner-sync and the web app only', () => {
    const open = all.filter((w) => allowedTraffic(objects, w.labels).ingress.some((f) => f.endsWith(' anywhere'))).map((w) => w.name);
    expect(open.sort()).toEqual([...publicServices].sort());
    for (const name of publicServices) expect(allowedTraffic(objects, workload(name).labels).ingress).toContain('tcp/8080 anywhere');
    for (const w of all) expect({ w: w.name, ...allowedTraffic(objects, w.labels).isolated }).toEqual({ w: w.name, ingress: true, egress: true });
    const natsIn = allowedTraffic(objects, workload('nats').labels).ingress;
    expect(natsIn).toContain('tcp/4222 pod:tlp.io/nats-client=true');
    expect(all.filter((w) => w.labels['tlp.io/nats-client'] === 'true').map((w) => w.name).sort()).toEqual([...nodeServices].sort());
  });

  it('lets the services out to DNS, NATS, PostgreSQL and Redis only, and partner-sync and the gateway to HTTPS on the internet', () => {
    const ports = (name: string) => new Set(allowedTraffic(objects, workload(name).labels).egress.map((f) => f.split(' ')[0]));
    const backend = ['udp/53', 'tcp/53', 'tcp/4222', 'tcp/5432', 'tcp/6379'];
    for (const name of ['loyalty', 'promotion', 'voucher', 'renewal']) expect([...ports(name)].sort()).toEqual([...backend].sort());
    for (const name of ['gateway', 'partner-sync']) expect([...ports(name)].sort()).toEqual([...backend, 'tcp/443'].sort());
    expect([...ports('web')].sort()).toEqual(['tcp/53', 'udp/53']);
    expect([...ports('nats')].sort()).toEqual(['tcp/53', 'tcp/6222', 'udp/53']);
    for (const w of all) {
      for (const flow of allowedTraffic(objects, w.labels).egress) {
        const [port, ...to] = flow.split(' ');
        const dest = to.join(' ');
        if (port === 'tcp/4222' || port === 'tcp/6222') expect(dest).toBe('pod:app.kubernetes.io/name=nats');
        if (port?.endsWith('/53')) expect(dest).toBe('namespace:kubernetes.io/metadata.name=kube-system pod:k8s-app=kube-dns');
        // The internet, yes, but never back into private networks.
        if (port === 'tcp/443') expect(dest).toMatch(/^cidr:0\.0\.0\.0\/0 except 10\.0\.0\.0\/8,172\.16\.0\.0\/12,192\.168\.0\.0\/16/);
      }
    }
  });

  it('routes the ingress to existing Services: the app and /v1 to web and gateway, /webhooks to partner-sync', () => {
    const [ingress] = ofKind(objects, 'Ingress');
    const rules = (ingress!.spec as { rules: { http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[] }).rules;
    const routes = rules.flatMap((r) => r.http.paths.map((p) => `${p.path} -> ${p.backend.service.name}`));
    expect(routes).toEqual(['/v1 -> gateway', '/docs -> gateway', '/ -> web', '/webhooks -> partner-sync']);
    for (const p of rules.flatMap((r) => r.http.paths)) {
      const svc = named(objects, 'Service', p.backend.service.name).spec as { ports: { name: string }[] };
      expect(svc.ports.map((x) => x.name)).toContain(p.backend.service.port.name);
    }
  });
});

describe('the prod overlay, beyond the base', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = render('prod');
  });

  it('pins every image to a release tag, and takes the platform images from the registry', () => {
    for (const w of workloads(objects)) {
      for (const c of w.pod.containers) {
        expect(c.image).toMatch(/:\d+\.\d+\.\d+/);
        if (services.includes(w.name)) expect(c.image).toMatch(new RegExp(`^[\\w-]+(\\.[\\w-]+)+/tlp/${w.name}:`));
      }
    }
  });

  it('never places two NATS servers on one node, and narrows datastore traffic to their addresses', () => {
    const nats = workloads(objects).find((w) => w.name === 'nats')!;
    const anti = (nats.pod as unknown as { affinity: { podAntiAffinity: Record<string, unknown> } }).affinity.podAntiAffinity;
    expect(Object.keys(anti)).toEqual(['requiredDuringSchedulingIgnoredDuringExecution']);
    const egress = allowedTraffic(objects, { 'tlp.io/datastores': 'true' }).egress.filter((f) => /tcp\/(5432|6379) /.test(f));
    for (const flow of egress) expect(flow).toMatch(/ cidr:\d+\.\d+\.\d+\.\d+\/32$/);
  });
});
