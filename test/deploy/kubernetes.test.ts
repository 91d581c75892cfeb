import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { deployPath, readYaml, readYamlDocuments, skipOutsideCi, toolMissing, type Json } from './deploy-files.js';
import { schemaErrors, unknownFields, type KubernetesObject } from './kubernetes-schema.js';

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Json;
  livenessProbe?: Json;
  startupProbe?: Json;
  securityContext?: Json;
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Json;
  nodeSelector?: Record<string, string>;
  affinity?: Json;
  volumes?: (Json & { name: string })[];
}

interface Workload extends KubernetesObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec }; volumeClaimTemplates?: KubernetesObject[] };
}

const K8S = deployPath('k8s');
const KUSTOMIZATION = readYaml(`${K8S}/kustomization.yaml`) as { namespace: string; resources: string[]; images?: { name: string; newName?: string; newTag?: string }[] };
/** The objects kustomize renders: every resource file, in order, in the kustomization's namespace. */
const OBJECTS = KUSTOMIZATION.resources.flatMap((file) => readYamlDocuments(`${K8S}/${file}`) as KubernetesObject[]);
const byKind = <T extends KubernetesObject = KubernetesObject>(kind: string): T[] => OBJECTS.filter((object) => object.kind === kind) as T[];
const named = (kind: string, name: string): KubernetesObject | undefined => byKind(kind).find((object) => object.metadata?.name === name);
const WORKLOADS = [...byKind<Workload>('Deployment'), ...byKind<Workload>('StatefulSet')];
const CAIRN_IMAGE = 'cairn';
const isCairn = (container: Container): boolean => container.image.split(':')[0] === CAIRN_IMAGE;
const containersOf = (workload: Workload): Container[] => [...(workload.spec.template.spec.initContainers ?? []), ...workload.spec.template.spec.containers];

/** Kubernetes quantities in bytes (memory) or cores (cpu). */
function quantity(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(text);
  assert.ok(match, `quantity ${text}`);
  const scale: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * scale[match[2] ?? '']!;
}

test('the kustomization lists every manifest of deploy/k8s, and the namespace it sets is the one created', () => {
  const files = readdirSync(K8S).filter((name) => /\.ya?ml$/.test(name) && name !== 'kustomization.yaml').sort();
  assert.deepEqual([...KUSTOMIZATION.resources].sort(), files);
  assert.deepEqual(byKind('Namespace').map((object) => object.metadata?.name), [KUSTOMIZATION.namespace]);
  for (const object of OBJECTS) assert.equal(object.metadata?.namespace, undefined, `${object.kind} ${object.metadata?.name}: the namespace comes from the kustomization`);
  const version = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version;
  assert.deepEqual(KUSTOMIZATION.images, [{ name: CAIRN_IMAGE, newName: CAIRN_IMAGE, newTag: version }], 'the image tag is the package version');
  for (const workload of WORKLOADS) for (const container of containersOf(workload).filter(isCairn)) assert.equal(container.image, `${CAIRN_IMAGE}:${version}`);
});

test('every object is valid against the Kubernetes API schemas (kubernetes-models, from the official OpenAPI definitions)', async () => {
  assert.ok(OBJECTS.length >= 15, `${OBJECTS.length} objects`);
  const problems: string[] = [];
  for (const object of OBJECTS) for (const error of await schemaErrors(object)) problems.push(`${object.kind} ${object.metadata?.name}: ${error}`);
  assert.deepEqual(problems, []);
  // The validators can fail.
  assert.notDeepEqual(await schemaErrors({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two' } }), []);
});

test('no object has a field the Kubernetes API does not define (what kubectl --validate=strict refuses)', () => {
  const probe: KubernetesObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 1, targetPort: 'http', protocl: 'TCP' }] } };
  const found = unknownFields([...OBJECTS, probe]);
  assert.deepEqual(found.pop(), ['spec.ports[0].protocl'], 'the check finds a misspelt field');
  const problems = OBJECTS.flatMap((object, index) => found[index]!.map((path) => `${object.kind} ${object.metadata?.name}: ${path}`));
  assert.deepEqual(problems, []);
});

test('names are DNS labels, selectors select their own pods, services and the ingress point at ports that exist', () => {
  for (const object of OBJECTS) assert.match(object.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${object.kind} name`);
  const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
  for (const workload of WORKLOADS) {
    assert.ok(selects(workload.spec.selector.matchLabels, workload.spec.template.metadata.labels), `${workload.metadata?.name}: its selector matches its pods`);
    const others = WORKLOADS.filter((other) => other !== workload && selects(workload.spec.selector.matchLabels, other.spec.template.metadata.labels));
    assert.deepEqual(others.map((other) => other.metadata?.name), [], `${workload.metadata?.name}'s selector also matches`);
  }
  for (const service of byKind('Service') as (KubernetesObject & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string | number; name: string }[] } })[]) {
    const targets = WORKLOADS.filter((workload) => selects(service.spec.selector, workload.spec.template.metadata.labels));
    assert.equal(targets.length, 1, `Service ${service.metadata?.name} selects one workload`);
    const ports = targets[0]!.spec.template.spec.containers.flatMap((container) => container.ports ?? []);
    for (const port of service.spec.ports) assert.ok(ports.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort), `Service ${service.metadata?.name}: target port ${port.targetPort}`);
  }
  for (const budget of byKind('PodDisruptionBudget') as (KubernetesObject & { spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number; minAvailable?: number } })[]) {
    const targets = WORKLOADS.filter((workload) => selects(budget.spec.selector.matchLabels, workload.spec.template.metadata.labels));
    assert.equal(targets.length, 1, `PodDisruptionBudget ${budget.metadata?.name} covers one workload`);
    // A budget that needs every replica up would block every node drain.
    if (budget.spec.minAvailable !== undefined) assert.ok(budget.spec.minAvailable < (targets[0]!.spec.replicas ?? 1), `PodDisruptionBudget ${budget.metadata?.name} would block drains`);
    else assert.ok((budget.spec.maxUnavailable ?? 0) >= 1, `PodDisruptionBudget ${budget.metadata?.name} would block drains`);
  }
  assert.deepEqual(byKind('PodDisruptionBudget').map((budget) => budget.metadata?.name).sort(), ['cairn-api', 'cairn-worker']);
  const [ingress] = byKind('Ingress') as (KubernetesObject & { spec: { ingressClassName: string; rules: { host: string; http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[] } })[];
  assert.equal(ingress?.spec.ingressClassName, 'traefik', "k3s's default ingress controller");
  for (const rule of ingress!.spec.rules) {
    for (const { backend } of rule.http.paths) {
      const service = named('Service', backend.service.name) as (KubernetesObject & { spec: { ports: { name: string }[] } }) | undefined;
      assert.ok(service?.spec.ports.some((port) => port.name === backend.service.port.name), `Ingress backend ${backend.service.name}:${backend.service.port.name}`);
    }
    // /mcp answers only Host names it knows: the Ingress host is one.
    const config = JSON.parse(((named('ConfigMap', 'cairn-config-file') as KubernetesObject & { data: Record<string, string> }).data)['cairn.config.json']!) as { mcp: { allowedHosts: string[] } };
    assert.ok(config.mcp.allowedHosts.includes(rule.host), `mcp.allowedHosts names ${rule.host}`);
  }
});

test('every container: requests and limits, probes, a restricted security context; Cairn probes /readyz and /healthz on its port', () => {
  for (const workload of WORKLOADS) {
    const pod = workload.spec.template.spec;
    assert.equal(pod.securityContext?.runAsNonRoot, true, `${workload.metadata?.name}: runAsNonRoot`);
    assert.ok(typeof pod.securityContext?.runAsUser === 'number' && pod.securityContext.runAsUser > 0, `${workload.metadata?.name}: a non-root uid`);
    assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    for (const volume of pod.volumes ?? []) assert.ok(['emptyDir', 'configMap', 'secret', 'persistentVolumeClaim'].some((kind) => kind in volume), `${workload.metadata?.name}: volume ${volume.name} is allowed by the restricted Pod Security Standard`);
    for (const container of containersOf(workload)) {
      const where = `${workload.metadata?.name}/${container.name}`;
      for (const kind of ['requests', 'limits'] as const) for (const resource of ['cpu', 'memory']) assert.ok(container.resources?.[kind]?.[resource], `${where}: ${kind}.${resource}`);
      assert.ok(quantity(container.resources!.limits!.memory!) >= quantity(container.resources!.requests!.memory!), `${where}: memory limit ≥ request`);
      assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, where);
      assert.doesNotMatch(container.image, /:latest$|^[^:]+$/, `${where}: a pinned image`);
      const mounts = new Set((container.volumeMounts ?? []).map((mount) => mount.mountPath));
      if (isCairn(container)) assert.ok(mounts.has('/data') && mounts.has('/tmp'), `${where}: writable /data and /tmp under a read-only root`);
    }
    for (const container of pod.containers) {
      const where = `${workload.metadata?.name}/${container.name}`;
      assert.ok(container.readinessProbe && container.livenessProbe, `${where}: readiness and liveness probes`);
      if (!isCairn(container)) continue;
      const [port] = container.ports ?? [];
      const expected = container.args?.[0] === 'worker' ? 7701 : 7700;
      assert.equal(port?.containerPort, expected, `${where}: port`);
      for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz'], ['startupProbe', '/healthz']] as const) {
        assert.deepEqual(container[probe]?.httpGet, { path, port: port!.name }, `${where}: ${probe}`);
      }
      const annotations = workload.spec.template.metadata.annotations ?? {};
      assert.deepEqual(annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port!.containerPort), 'prometheus.io/path': '/metrics' }, `${where}: scrape annotations`);
    }
  }
  const namespace = byKind('Namespace')[0]!;
  assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
});

test('configuration: every ConfigMap and Secret a pod reads exists with the keys it reads; the database URL agrees with PostgreSQL', () => {
  for (const workload of WORKLOADS) {
    for (const container of containersOf(workload)) {
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) assert.ok(named('ConfigMap', source.configMapRef.name), `ConfigMap ${source.configMapRef.name}`);
        if (source.secretRef) assert.ok(named('Secret', source.secretRef.name), `Secret ${source.secretRef.name}`);
      }
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) assert.ok(ref.key in ((named('Secret', ref.name) as Json | undefined)?.stringData as Json ?? {}), `Secret ${ref.name} has ${ref.key}`);
      }
    }
    for (const volume of workload.spec.template.spec.volumes ?? []) {
      const claim = volume.persistentVolumeClaim as { claimName: string } | undefined;
      if (claim) assert.ok(named('PersistentVolumeClaim', claim.claimName), `PersistentVolumeClaim ${claim.claimName}`);
      const map = volume.configMap as { name: string } | undefined;
      if (map) assert.ok(named('ConfigMap', map.name), `ConfigMap ${map.name}`);
    }
  }
  const secrets = (named('Secret', 'cairn-secrets') as Json).stringData as Record<string, string>;
  const database = new URL(secrets.CAIRN_DATABASE_URL!);
  const postgres = named('StatefulSet', 'cairn-postgres') as Workload;
  const env = Object.fromEntries(postgres.spec.template.spec.containers[0]!.env!.map((variable) => [variable.name, variable]));
  assert.equal(database.hostname, 'cairn-postgres');
  assert.ok(named('Service', database.hostname), 'the database host is the PostgreSQL Service');
  assert.equal(database.port, '5432');
  assert.equal(database.username, env.POSTGRES_USER?.value);
  assert.equal(database.pathname, `/${env.POSTGRES_DB?.value}`);
  const password = ((named('Secret', 'cairn-postgres') as Json).stringData as Record<string, string>).POSTGRES_PASSWORD;
  assert.equal(decodeURIComponent(database.password), password, 'the password in CAIRN_DATABASE_URL is POSTGRES_PASSWORD');
  assert.match(postgres.spec.template.spec.containers[0]!.image, /^pgvector\/pgvector:pg1[67]$/);
  assert.equal(postgres.spec.volumeClaimTemplates?.[0]?.metadata?.name, 'data', 'PostgreSQL keeps its data on a volume claim');
  const config = (named('ConfigMap', 'cairn-config') as Json).data as Record<string, string>;
  assert.ok(named('Service', new URL(config.CAIRN_REDIS_URL!).hostname), 'CAIRN_REDIS_URL names the Redis Service');
  assert.equal(config.CAIRN_HOME, '/data');
  for (const key of ['CAIRN_UPLOADS', 'AWS_ENDPOINT_URL', 'AWS_REGION']) assert.ok(key in config, `${key} in the one ConfigMap`);
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) assert.ok(key in secrets, `${key} in the Secret`);
});

/**
 * What a Raspberry Pi 5 leaves to pods once the OS and k3s run, by board memory: an estimate of
 * 0.6 GiB for Raspberry Pi OS Lite and the k3s server or agent (k3s documents 512 MB as an agent's
 * minimum), not a measurement; docs/decisions/0022-deployment.md.
 */
const PI5_ALLOCATABLE_MEMORY = { '4GB': 4 * 2 ** 30 - 0.6 * 2 ** 30, '8GB': 8 * 2 ** 30 - 0.6 * 2 ** 30 };
const PI5_CORES = 4;

test('sizes: on a two-Pi-5 cluster (cairn/role=api and cairn/role=worker) the requests fit 4 GB boards and the limits fit 8 GB boards', () => {
  const roleOf = (workload: Workload): string => {
    const pod = workload.spec.template.spec;
    if (pod.nodeSelector?.['cairn/role']) return pod.nodeSelector['cairn/role'];
    const affinity = JSON.stringify(pod.affinity?.nodeAffinity ?? {});
    const role = /"key":"cairn\/role","operator":"In","values":\["([a-z]+)"\]/.exec(affinity)?.[1];
    assert.ok(role, `${workload.metadata?.name} names a cairn/role node`);
    return role;
  };
  assert.equal(roleOf(named('Deployment', 'cairn-api') as Workload), 'api');
  assert.deepEqual((named('Deployment', 'cairn-api') as Workload).spec.template.spec.nodeSelector, { 'cairn/role': 'api' }, 'the API by nodeSelector');
  assert.equal(roleOf(named('Deployment', 'cairn-worker') as Workload), 'worker');
  assert.ok(JSON.stringify((named('Deployment', 'cairn-worker') as Workload).spec.template.spec.affinity).includes('requiredDuringSchedulingIgnoredDuringExecution'), 'the workers by required node affinity');
  const totals = new Map<string, { cpuRequests: number; memoryRequests: number; memoryLimits: number }>();
  for (const workload of WORKLOADS) {
    const role = roleOf(workload);
    const replicas = workload.spec.replicas ?? 1;
    const sum = (kind: 'requests' | 'limits', resource: string) => workload.spec.template.spec.containers.reduce((total, c) => total + quantity(c.resources![kind]![resource]!), 0);
    const total = totals.get(role) ?? { cpuRequests: 0, memoryRequests: 0, memoryLimits: 0 };
    total.cpuRequests += replicas * sum('requests', 'cpu');
    total.memoryRequests += replicas * sum('requests', 'memory');
    total.memoryLimits += replicas * sum('limits', 'memory');
    totals.set(role, total);
  }
  for (const [role, total] of totals) {
    const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
    assert.ok(total.memoryRequests <= PI5_ALLOCATABLE_MEMORY['4GB'], `${role} node: requests ${gib(total.memoryRequests)} exceed a 4 GB Pi`);
    assert.ok(total.memoryLimits <= PI5_ALLOCATABLE_MEMORY['8GB'], `${role} node: limits ${gib(total.memoryLimits)} exceed an 8 GB Pi`);
    assert.ok(total.cpuRequests <= PI5_CORES - 0.5, `${role} node: ${total.cpuRequests} cores requested of ${PI5_CORES}`);
  }
  assert.deepEqual([...totals.keys()].sort(), ['api', 'worker']);
});

const KUBECTL_MISSING = toolMissing('kubectl', ['version', '--client'], 'kubectl renders the kustomization: apt-get install kubernetes-client; .ci/run installs it when missing');

test('kubectl kustomize renders the directory into the same objects, each in the cairn namespace', { skip: skipOutsideCi(KUBECTL_MISSING) }, () => {
  if (KUBECTL_MISSING) assert.fail(KUBECTL_MISSING);
  const result = spawnSync('kubectl', ['kustomize', K8S], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const rendered = parseAllDocuments(result.stdout).map((document) => document.toJS() as KubernetesObject);
  const key = (object: KubernetesObject) => `${object.kind}/${object.metadata?.name}`;
  assert.deepEqual(rendered.map(key).sort(), OBJECTS.map(key).sort());
  for (const object of rendered.filter((o) => o.kind !== 'Namespace')) assert.equal(object.metadata?.namespace, KUSTOMIZATION.namespace, key(object));
});
