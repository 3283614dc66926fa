import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { adminCommands } from '../../src/cli/admin-commands.ts';
import { parseFor, type Command } from '../../src/cli/command.ts';
import { linkCommands } from '../../src/cli/link-commands.ts';
import { serverCommands } from '../../src/cli/server-commands.ts';
import { SETTINGS } from '../../src/common/config.table.ts';
import { MODULES } from '../../src/runtime/registry.ts';
import { ROOT } from '../contract/harness.ts';
import { build, kustomizationDir, type K8sObject } from './kustomize.ts';

/** The schema of each kind these manifests use (kubernetes-models, generated from Kubernetes' OpenAPI). */
const MODELS: Record<string, { validate(): void } & (new (data: never) => { validate(): void })> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Namespace': Namespace,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
} as never;

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  envFrom: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    terminationGracePeriodSeconds?: number;
    securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
    containers: Container[];
    volumes: { name: string; emptyDir?: object; persistentVolumeClaim?: object }[];
  };
}

const COMMANDS: Record<string, Command> = { ...serverCommands, ...adminCommands, ...linkCommands };
const SERVICES = [...MODULES.map((m) => m.name), 'gateway'];
const CONFIG_VARIABLES = new Set(SETTINGS.map((s) => s.env));

const of = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const templateOf = (deployment: K8sObject) => (deployment.spec as { template: PodTemplate }).template;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The environment a container sees: its ConfigMaps and Secrets, by name. */
function environmentOf(container: Container, objects: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom) {
    const [kind, name] = 'configMapRef' in source ? ['ConfigMap', source.configMapRef.name] : ['Secret', source.secretRef.name];
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${container.name}: envFrom ${kind} ${name} does not exist`);
    for (const [key, value] of Object.entries(found.data ?? {})) env[key] = kind === 'Secret' ? Buffer.from(value, 'base64').toString() : value;
  }
  return env;
}

/** The command line a container runs: the image's ENTRYPOINT is `node bin/morphlink.js`, `args` the rest. */
function assertRealCommand(args: string[], where: string): string {
  const name = ['user', 'key', 'export'].includes(args[0] ?? '') ? args.slice(0, 2).join(' ') : (args[0] ?? '');
  const command = COMMANDS[name];
  assert.ok(command, `${where}: "${args.join(' ')}" is not a morphlink command`);
  const { args: positional } = parseFor(name, command, args.slice(name.split(' ').length));
  if (name === 'serve') assert.ok(SERVICES.includes(positional[0] ?? ''), `${where}: serve ${positional[0]} is not a service`);
  return name === 'serve' ? (positional[0] as string) : name;
}

/** The port a `serve <service>` process listens on, from its environment (or the setting's default). */
function portOf(service: string, env: Record<string, string>): number {
  const variable = service === 'gateway' ? 'PORT' : `${service.toUpperCase()}_PORT`;
  const setting = SETTINGS.find((s) => s.env === variable);
  assert.ok(setting, `no setting ${variable}`);
  return Number(env[variable] ?? setting.default);
}

function assertValid(objects: K8sObject[]): void {
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    assert.ok(Model, `${object.kind} ${object.metadata.name}: no schema for ${object.apiVersion}`);
    assert.doesNotThrow(() => new Model(object as never).validate(), `${object.kind} ${object.metadata.name}`);
  }
}

describe('Kubernetes manifests: the base', () => {
  it('when every object is read, then each is valid against the Kubernetes schema of its kind', () => {
    const objects = build(kustomizationDir(ROOT, 'base'));
    assert.ok(objects.length >= 12, `only ${objects.length} objects`);
    assertValid(objects);
  });

  it('when a Deployment has a wrong type in it, then the schema check fails (it can fail)', () => {
    const [deployment] = of(build(kustomizationDir(ROOT, 'base')), 'Deployment');
    assert.ok(deployment);
    const container = templateOf(deployment).spec.containers[0] as unknown as { ports: { containerPort: unknown }[] };
    (container.ports[0] as { containerPort: unknown }).containerPort = 'eight thousand';
    assert.throws(() => assertValid([deployment]), /containerPort/);
  });
});

// The checks against the code run on what would be applied: the example overlay's output.
describe('Kubernetes manifests, as the example overlay builds them, against the code', () => {
  const objects = build(kustomizationDir(ROOT, 'overlays', 'example'));
  const deployments = of(objects, 'Deployment');

  it('when every object is read, then each is valid against the Kubernetes schema of its kind', () => {
    assertValid(objects);
  });

  it('when the deployments are listed, then every service and the gateway has one, and a Service in front', () => {
    const roles = deployments.map((d) => assertRealCommand(templateOf(d).spec.containers[0]?.args ?? [], d.metadata.name)).sort();
    assert.deepEqual(roles, [...SERVICES].sort());
    for (const deployment of deployments) {
      const labels = templateOf(deployment).metadata.labels;
      const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      assert.ok(matches(selector, labels), `${deployment.metadata.name}: its selector does not select its own pods`);
      const fronted = of(objects, 'Service').some((s) => matches((s.spec as { selector: Record<string, string> }).selector, labels));
      assert.ok(fronted, `${deployment.metadata.name}: no Service selects its pods`);
    }
  });

  it('when a container runs, then its command is real, its environment names real settings, and its probes and port are where the process listens', () => {
    for (const deployment of deployments) {
      const { metadata, spec } = templateOf(deployment);
      for (const container of spec.containers) {
        const where = `${deployment.metadata.name}/${container.name}`;
        const service = assertRealCommand(container.args, where);
        const env = environmentOf(container, objects);
        for (const name of Object.keys(env)) assert.ok(CONFIG_VARIABLES.has(name), `${where}: ${name} is not a MorphLink setting`);
        assert.equal(env.MODE, 'microservices', where);
        for (const required of ['INTERNAL_TOKEN', 'DATABASE_URL', 'REDIS_URL']) assert.ok(env[required], `${where}: no ${required}`);

        const port = portOf(service, env);
        const http = container.ports.find((p) => p.name === 'http');
        assert.equal(http?.containerPort, port, `${where}: containerPort is not the port ${service} listens on`);
        for (const [probe, path] of [[container.readinessProbe, '/ready'], [container.livenessProbe, '/health']] as const) {
          assert.equal(probe.httpGet.path, path, where);
          assert.ok(probe.httpGet.port === 'http' || probe.httpGet.port === port, `${where}: probe port ${probe.httpGet.port}`);
        }
        assert.equal(metadata.annotations?.['prometheus.io/scrape'], 'true', where);
        assert.equal(metadata.annotations?.['prometheus.io/port'], String(port), where);
        assert.equal(metadata.annotations?.['prometheus.io/path'], '/metrics', where);
      }
    }
  });

  it('when a pod runs, then it is not root, its root filesystem is read-only, DATA_DIR is a writable volume, and it has requests and limits', () => {
    for (const deployment of deployments) {
      const { spec } = templateOf(deployment);
      assert.equal(spec.securityContext.runAsNonRoot, true, deployment.metadata.name);
      assert.ok((spec.securityContext.runAsUser ?? 0) > 0, deployment.metadata.name);
      for (const container of spec.containers) {
        const where = `${deployment.metadata.name}/${container.name}`;
        assert.equal(container.securityContext.readOnlyRootFilesystem, true, where);
        assert.equal(container.securityContext.allowPrivilegeEscalation, false, where);
        const dataDir = environmentOf(container, objects).DATA_DIR;
        const mount = container.volumeMounts.find((m) => m.mountPath === dataDir);
        assert.ok(mount, `${where}: nothing writable mounted at DATA_DIR ${dataDir}`);
        assert.ok(spec.volumes.some((v) => v.name === mount.name && (v.emptyDir || v.persistentVolumeClaim)), where);
        for (const kind of ['requests', 'limits'] as const) {
          assert.ok(container.resources[kind]?.cpu && container.resources[kind]?.memory, `${where}: ${kind}`);
        }
      }
      // A stop: SHUTDOWN_DELAY_MS of 503 on /ready first, then draining requests and flushing clicks.
      const delayS = Number(environmentOf(spec.containers[0] as Container, objects).SHUTDOWN_DELAY_MS ?? 0) / 1000;
      assert.ok((spec.terminationGracePeriodSeconds ?? 30) >= delayS + 20, `${deployment.metadata.name}: grace period too short for the drain`);
    }
  });

  it('when a peer URL is configured, then it names a Service and the port that Service exposes', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'morphlink-config');
    const urls = Object.entries(config?.data ?? {}).filter(([key]) => key.endsWith('_URL') && key !== 'BASE_URL' && key !== 'DATABASE_URL' && key !== 'REDIS_URL');
    assert.ok(urls.length >= 4, JSON.stringify(urls));
    for (const [key, value] of urls) {
      const url = new URL(value);
      const service = of(objects, 'Service').find((s) => s.metadata.name === url.hostname);
      assert.ok(service, `${key}: no Service ${url.hostname}`);
      const ports = (service.spec as { ports: { port: number }[] }).ports.map((p) => p.port);
      assert.ok(ports.includes(Number(url.port)), `${key}: ${url.hostname} does not expose ${url.port}`);
    }
  });

  it('when the redirector is disrupted or busy, then a PodDisruptionBudget keeps one and an HPA scales its Deployment', () => {
    const redirector = deployments.find((d) => templateOf(d).spec.containers[0]?.args.join(' ') === 'serve redirector');
    assert.ok(redirector);
    const labels = templateOf(redirector).metadata.labels;
    const pdb = of(objects, 'PodDisruptionBudget').find((p) => matches((p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, labels));
    assert.ok(pdb, 'no PodDisruptionBudget selects the redirector');
    assert.equal((pdb.spec as { minAvailable?: number }).minAvailable, 1);
    const hpa = of(objects, 'HorizontalPodAutoscaler').find((h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === redirector.metadata.name);
    assert.ok(hpa, 'no HorizontalPodAutoscaler targets the redirector');
    const { minReplicas, maxReplicas } = hpa.spec as { minReplicas: number; maxReplicas: number };
    assert.ok(minReplicas >= 2 && maxReplicas > minReplicas);
    assert.ok(templateOf(redirector).spec.containers[0]?.resources.requests?.cpu, 'an HPA on CPU needs a CPU request');
  });
});

describe('Kubernetes overlay: example', () => {
  it('when it is built, then every object is in its namespace, the image is the overlay’s, and the secrets exist', () => {
    const objects = build(kustomizationDir(ROOT, 'overlays', 'example'));
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) assert.equal(object.metadata.namespace, 'morphlink', object.metadata.name);
    for (const deployment of of(objects, 'Deployment')) {
      assert.equal(templateOf(deployment).spec.containers[0]?.image, 'registry.example.com/morphlink:0.1.0');
    }
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'morphlink-secrets');
    assert.deepEqual(Object.keys(secret?.data ?? {}).sort(), ['DATABASE_URL', 'INTERNAL_TOKEN', 'REDIS_URL', 'VISITOR_SECRET']);
    assert.equal(objects.find((o) => o.kind === 'ConfigMap')?.data?.BASE_URL, 'https://mlk.example.com');
  });

  it('when the base alone is built, then it has no Secret: secrets come from the overlay, never from the repository’s base', () => {
    assert.equal(of(build(kustomizationDir(ROOT, 'base')), 'Secret').length, 0);
  });
});
