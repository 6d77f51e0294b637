/**
 * Renders the kustomize overlays with `kubectl kustomize` and reads what came out: objects by kind,
 * pod templates, label selectors, and which traffic the NetworkPolicies let through.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const root = join(__dirname, '..', '..');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string; optional?: boolean } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type: string };
}

export interface PodSpec {
  containers: Container[];
  securityContext?: SecurityContext;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string; configMap?: { name: string }; emptyDir?: unknown }[];
}

/** A Deployment or StatefulSet, reduced to what the checks read. */
export interface Workload {
  kind: string;
  name: string;
  replicas?: number;
  selector: Selector;
  labels: Record<string, string>;
  pod: PodSpec;
  object: K8sObject;
}

let kubectlChecked = false;

/** `kubectl` from KUBECTL or the PATH; Debian's kubernetes-client is installed when it is missing. */
export function kubectl(): string {
  const explicit = process.env.KUBECTL;
  if (explicit) return explicit;
  if (!kubectlChecked) {
    const found = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
    if (found.status !== 0) execFileSync('bash', [join(root, 'infra', 'ensure-kubectl.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    kubectlChecked = true;
  }
  return 'kubectl';
}

const rendered = new Map<string, K8sObject[]>();

/** The objects of one overlay, rendered once per test file. */
export function render(overlay: string): K8sObject[] {
  const cached = rendered.get(overlay);
  if (cached) return cached;
  const out = execFileSync(kubectl(), ['kustomize', join(root, 'k8s', 'overlays', overlay)], {
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    // Newer kubectl warns that `bases` and `patchesStrategicMerge` are deprecated: not an error.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const objects = parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`kubectl kustomize ${overlay} printed bad YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
  rendered.set(overlay, objects);
  return objects;
}

/**
 * Validates each object against the Kubernetes API schema of its kind with kubernetes-models,
 * whose classes sit at <apiVersion>/<Kind> (core group included: v1/Service). The package ships
 * ES modules only, which jest's CommonJS loader cannot take, so a plain Node process does the
 * validation. Returns, per object, its errors or null.
 */
export function schemaErrors(objects: K8sObject[]): (string | null)[] {
  const script = `
    const chunks = [];
    for await (const c of process.stdin) chunks.push(c);
    const out = [];
    for (const o of JSON.parse(Buffer.concat(chunks).toString())) {
      try {
        const mod = await import(\`kubernetes-models/\${o.apiVersion}/\${o.kind}\`);
        if (!mod[o.kind]) throw new Error(\`no model for \${o.apiVersion} \${o.kind}\`);
        new mod[o.kind](o).validate();
        out.push(null);
      } catch (e) {
        out.push(\`\${o.kind}/\${o.metadata?.name}: \${e.message}\`);
      }
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(root, 'test-e2e'),
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`schema validation did not run: ${run.stderr}`);
  return JSON.parse(run.stdout) as (string | null)[];
}

export const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);

export function named(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => {
      const spec = o.spec as { replicas?: number; selector: Selector; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } };
      return {
        kind: o.kind,
        name: o.metadata.name,
        replicas: spec.replicas,
        selector: spec.selector,
        labels: spec.template.metadata?.labels ?? {},
        pod: spec.template.spec,
        object: o,
      };
    });
}

/** Only matchLabels are used in these manifests, which keeps this evaluation exact. */
export function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not used in k8s/: keep selectors to matchLabels');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
}

interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

interface PolicySpec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

/** One thing a rule lets through, written like `tcp/4222 pod:app.kubernetes.io/name=nats`. */
export type Flow = string;

function describePeer(peer: PolicyPeer | undefined): string {
  if (!peer) return 'anywhere';
  if (peer.ipBlock) return `cidr:${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(',')}` : ''}`;
  const labels = (s: Selector | undefined) =>
    Object.entries(s?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  if (peer.namespaceSelector) return `namespace:${labels(peer.namespaceSelector)}${peer.podSelector ? ` pod:${labels(peer.podSelector)}` : ''}`;
  return `pod:${labels(peer.podSelector)}`;
}

function flows(rules: PolicyRule[] | undefined, direction: 'from' | 'to'): Flow[] {
  const out: Flow[] = [];
  for (const rule of rules ?? []) {
    const peers = rule[direction]?.length ? rule[direction] : [undefined];
    const ports = rule.ports?.length ? rule.ports : [{ protocol: 'any', port: 'any' }];
    for (const port of ports) for (const peer of peers) out.push(`${(port.protocol ?? 'TCP').toLowerCase()}/${port.port} ${describePeer(peer)}`);
  }
  return out;
}

/** What the NetworkPolicies of a namespace let into and out of pods with these labels. */
export function allowedTraffic(objects: K8sObject[], labels: Record<string, string>): { ingress: Flow[]; egress: Flow[]; isolated: { ingress: boolean; egress: boolean } } {
  const policies = ofKind(objects, 'NetworkPolicy')
    .map((p) => p.spec as unknown as PolicySpec)
    .filter((p) => selects(p.podSelector, labels));
  const types = (p: PolicySpec) => p.policyTypes ?? ['Ingress'];
  return {
    ingress: policies.filter((p) => types(p).includes('Ingress')).flatMap((p) => flows(p.ingress, 'from')),
    egress: policies.filter((p) => types(p).includes('Egress')).flatMap((p) => flows(p.egress, 'to')),
    isolated: {
      ingress: policies.some((p) => types(p).includes('Ingress')),
      egress: policies.some((p) => types(p).includes('Egress')),
    },
  };
}

export interface NatsConfig {
  serverNameFrom?: string;
  storeDir?: string;
  syncInterval?: string;
  clusterPort?: number;
  routes: string[];
}

/** Reads the settings this platform relies on from a NATS server configuration file. */
export function readNatsConfig(text: string): NatsConfig {
  const code = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');
  const block = (name: string) => new RegExp(`^${name}\\s*\\{([^}]*)\\}`, 'm').exec(code)?.[1] ?? '';
  const value = (scope: string, key: string) => new RegExp(`^\\s*${key}\\s*[:=]\\s*(\\S+)`, 'm').exec(scope)?.[1];
  const jetstream = block('jetstream');
  const cluster = block('cluster');
  const routes = /routes\s*[:=]\s*\[([^\]]*)\]/.exec(cluster)?.[1] ?? '';
  const listen = value(cluster, 'listen');
  return {
    serverNameFrom: value(code, 'server_name'),
    storeDir: value(jetstream, 'store_dir'),
    syncInterval: value(jetstream, 'sync_interval'),
    clusterPort: listen ? Number(listen.split(':').pop()) : undefined,
    routes: routes.split(/[\s,]+/).filter(Boolean),
  };
}

/**
 * Has the real nats-server parse the file (`nats-server -t`), when one is installed. Servers
 * before 2.10 do not know `sync_interval`: for them that one line is left out of the check.
 * Returns undefined when no nats-server is on the PATH.
 */
export function natsServerCheck(file: string, text: string, env: Record<string, string>): { ok: boolean; output: string; version: string } | undefined {
  const version = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (version.error) return undefined;
  const [major = 0, minor = 0] = (/v(\d+)\.(\d+)/.exec(version.stdout)?.slice(1) ?? []).map(Number);
  const knowsSyncInterval = major > 2 || (major === 2 && minor >= 10);
  const checked = knowsSyncInterval ? text : text.replace(/^\s*sync_interval:.*$/m, '');
  const dir = mkdtempSync(join(tmpdir(), 'nats-conf-'));
  try {
    const path = join(dir, basename(file));
    writeFileSync(path, checked);
    const run = spawnSync('nats-server', ['-t', '-c', path], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim(), version: version.stdout.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
