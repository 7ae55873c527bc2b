import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '@caracal/config';
import { REPO_ROOT } from '@caracal/test-support/gateway-process.js';
import { RUNBOOK_PATH } from '@caracal/test-support/runbook.js';
import { RUNBOOK_MD_PATH } from '@caracal/test-support/runbook-markdown.js';
import { entryOf, find, findOrFail, OVERLAYS, podSpec, readObjects, renderOverlay, validateAgainstSchema, type K8sObject } from '@caracal/test-support/k8s-manifests.js';

/**
 * k8s/ as an operator deploys it (docs/deploy.md): each overlay renders with `kubectl kustomize`,
 * validates against the Kubernetes API schemas, carries the runbook's names, and every image,
 * port, probe, env var and Secret key agrees with what the apps read.
 */

const IMAGE = 'caracal-core';
const packageJson = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string; scripts: Record<string, string> };


/** Every environment variable the apps, libs and CLI read: `env.NAME` in their (non-test) sources. */
function variablesTheAppsRead(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ts$/.test(entry.name) && !/\.(spec|int-test|e2e-test)\.ts$/.test(entry.name)) {
        for (const match of readFileSync(path, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(match[1]);
      }
    }
  };
  walk(`${REPO_ROOT}apps`);
  walk(`${REPO_ROOT}libs`);
  return names;
}

/** The processor (consumer group) names the apps register, from their sources' `export const X = '...-group'`. */
function registeredProcessors(): Set<string> {
  const names = new Set<string>();
  const files = ['libs/projections/src/ledger-writer.projection.ts', 'libs/projections/src/metrics-aggregator.projection.ts', 'libs/sealing/src/merkle-sealer.processor.ts', 'libs/messaging/src/kafka-relay.processor.ts'];
  for (const file of files) {
    for (const match of readFileSync(`${REPO_ROOT}${file}`, 'utf8').matchAll(/export const [A-Z_]+ = '([a-z-]+)'/g)) names.add(match[1]);
  }
  return names;
}

interface CaracalContainer {
  workload: K8sObject;
  container: any;
  /** The container's environment as the pod gets it: envFrom ConfigMaps, then env (Secret refs filled with stand-ins). */
  env: Record<string, string>;
}

const SECRET_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgres://caracal:stand-in@postgresql:5432/caracal',
  CARACAL_ADMIN_TOKEN: 'stand-in-token',
  CARACAL_EVENT_AUTH_KEY: '0f'.repeat(32),
  CARACAL_EVENT_AUTH_ACCEPTED_KEYS: '0e'.repeat(32),
};

function caracalContainers(objects: K8sObject[]): CaracalContainer[] {
  const found: CaracalContainer[] = [];
  for (const workload of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    for (const container of podSpec(workload).containers) {
      if (!String(container.image).startsWith(IMAGE)) continue;
      const env: Record<string, string> = {};
      for (const source of container.envFrom ?? []) Object.assign(env, findOrFail(objects, 'ConfigMap', source.configMapRef.name).data);
      for (const variable of container.env ?? []) {
        if (variable.value !== undefined) env[variable.name] = variable.value;
        else if (variable.valueFrom?.secretKeyRef) env[variable.name] = SECRET_STAND_INS[variable.valueFrom.secretKeyRef.key] ?? 'stand-in';
      }
      found.push({ workload, container, env });
    }
  }
  return found;
}

/** loadConfig as the container would run it: CARACAL_CONFIG pointing at the mounted ConfigMap file. */
function configOf(objects: K8sObject[], { workload, container, env }: CaracalContainer): ReturnType<typeof loadConfig> {
  const mount = container.volumeMounts.find((m: any) => env.CARACAL_CONFIG?.startsWith(`${m.mountPath}/`));
  const volume = podSpec(workload).volumes.find((v: any) => v.name === mount.name);
  const configMap = findOrFail(objects, 'ConfigMap', volume.configMap.name);
  const dir = mkdtempSync(join(tmpdir(), 'caracal-k8s-config-'));
  try {
    const file = join(dir, 'caracal.yaml');
    writeFileSync(file, configMap.data?.[env.CARACAL_CONFIG.slice(mount.mountPath.length + 1)] ?? '');
    return loadConfig({ ...env, CARACAL_CONFIG: file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const portNumber = (container: any, name: string): number => container.ports.find((p: any) => p.name === name)?.containerPort;

describe.each(OVERLAYS)('k8s/overlays/%s', (overlay) => {
  const objects = renderOverlay(overlay);
  const containers = caracalContainers(objects);

  it('renders objects that validate against the Kubernetes API schemas', async () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) {
      await expect(validateAgainstSchema(object)).resolves.toBeUndefined();
      if (object.kind !== 'Namespace') expect(`${object.kind}/${object.metadata.name} in ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name} in caracal`);
    }
  });

  it('holds the names the runbook uses', () => {
    // Every deployment, pod and gateway address that the seed runbook and ours name.
    const runbooks = [readFileSync(RUNBOOK_PATH, 'utf8'), readFileSync(RUNBOOK_MD_PATH, 'utf8')].join('\n');
    const deployments = new Set([...runbooks.matchAll(/deployment\/(caracal-[a-z-]+)/g)].map((m) => m[1]));
    expect([...deployments].sort()).toEqual(['caracal-gateway', 'caracal-ledger-writer', 'caracal-merkle-sealer', 'caracal-metrics-aggregator']);
    for (const name of deployments) expect(findOrFail(objects, 'Deployment', name).spec.replicas).toBeGreaterThanOrEqual(1);
    const firstPods = new Set([...runbooks.matchAll(/kubectl exec -i[t]? ([a-z-]+)-0 /g)].map((m) => m[1]));
    expect([...firstPods]).toEqual(['postgresql']);
    expect(findOrFail(objects, 'StatefulSet', 'postgresql').spec.replicas).toBeGreaterThanOrEqual(1);
    const addresses = [...runbooks.matchAll(/http:\/\/([a-z-]+):(\d+)\//g)].map((m) => `${m[1]}:${m[2]}`);
    expect(new Set(addresses)).toEqual(new Set(['gateway:8443', 'gateway:9090']));
    // `kubectl exec -it postgresql-0 -- pg_dump -U caracal caracal`: the StatefulSet's first pod,
    // its role and database.
    const postgres = findOrFail(objects, 'StatefulSet', 'postgresql');
    const postgresEnv = Object.fromEntries(podSpec(postgres).containers[0].env.map((e: any) => [e.name, e.value]));
    expect(postgresEnv).toMatchObject({ POSTGRES_USER: 'caracal', POSTGRES_DB: 'caracal' });
    // `curl http://gateway:8443/health`, `curl http://gateway:9090/metrics`.
    const service = findOrFail(objects, 'Service', 'gateway');
    expect(service.spec.selector).toEqual(findOrFail(objects, 'Deployment', 'caracal-gateway').spec.selector.matchLabels);
    expect(service.spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[8443, 'http'], [9090, 'metrics']]);
    // The runbook's `database:` block, read by the config loader.
    const gateway = containers.find((c) => c.workload.metadata.name === 'caracal-gateway') as CaracalContainer;
    const yaml = parseYaml(findOrFail(objects, 'ConfigMap', 'caracal-config').data?.['caracal.yaml'] ?? '') as { database: Record<string, unknown> };
    expect(Object.keys(yaml.database).sort()).toEqual(['max_overflow', 'pool_size', 'read_replica_url']);
    const database = configOf(objects, gateway).database;
    expect(database).toMatchObject({ poolSize: yaml.database.pool_size, maxOverflow: yaml.database.max_overflow, readReplicaUrl: null });
  });

  it('runs the image the Dockerfile builds, with entry points the build produces', () => {
    expect(containers.length).toBeGreaterThanOrEqual(4);
    for (const { container } of containers) {
      expect(container.image).toBe(`${IMAGE}:${packageJson.version}`);
      expect(container.command[0]).toBe('node');
      const entry = entryOf(container.command);
      // The scripts that start the apps run the same command (node's flags included), and the build made them.
      expect(Object.values(packageJson.scripts).some((script) => script.includes(container.command.join(' ')))).toBe(true);
      expect(existsSync(`${REPO_ROOT}${entry}`)).toBe(true);
    }
  });

  it('sets only variables the apps read, with values the config loader accepts, and listens where it probes', () => {
    const known = variablesTheAppsRead();
    const processors = registeredProcessors();
    expect(known).toContain('DATABASE_URL'); // the scan finds the loader's reads
    for (const entry of containers) {
      const { workload, container, env } = entry;
      const unread = Object.keys(env).filter((name) => !known.has(name));
      expect(`${workload.metadata.name}: ${unread.join(', ')}`).toBe(`${workload.metadata.name}: `);
      const config = configOf(objects, entry);
      expect(config.profile).toBe('production');
      expect(portNumber(container, 'metrics')).toBe(config.metricsPort);
      const annotations = workload.spec.template.metadata.annotations;
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(config.metricsPort), 'prometheus.io/path': '/metrics' });
      // The gateway writes events and the sealer checks them: both refuse to start without the event key.
      const holdsEventKey = config.merkle.eventKeyHex !== null || config.merkle.eventKeyFile !== null;
      const needsEventKey = entryOf(container.command) === 'dist/apps/gateway/src/main.js' || env.CARACAL_PROCESSORS === 'merkle-sealer-group';
      expect(`${workload.metadata.name} holds the event key: ${holdsEventKey || !needsEventKey}`).toBe(`${workload.metadata.name} holds the event key: true`);
      if (entryOf(container.command) === 'dist/apps/gateway/src/main.js') {
        expect(portNumber(container, 'http')).toBe(config.port);
        expect(config.runProcessors).toBe(false);
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe].httpGet).toEqual({ path: '/health', port: 'http' });
      } else {
        // The projector serves /metrics only; one processor per deployment, as the runbook scales them.
        for (const probe of ['readinessProbe', 'livenessProbe']) expect(container[probe].httpGet).toEqual({ path: '/metrics', port: 'metrics' });
        expect(config.processors).toHaveLength(1);
        const processor = (config.processors as string[])[0];
        expect(processors).toContain(processor);
        expect(workload.metadata.name).toBe(`caracal-${processor.replace(/-group$/, '')}`);
      }
    }
    expect(containers.map((c) => c.env.CARACAL_PROCESSORS).filter(Boolean).sort()).toEqual(
      overlay === 'production'
        ? ['kafka-relay', 'ledger-writer-group', 'merkle-sealer-group', 'metrics-aggregator-group']
        : ['ledger-writer-group', 'merkle-sealer-group', 'metrics-aggregator-group'],
    );
  });

  it('lets in-flight calls finish on shutdown, runs as non-root, and reads only Secret keys the template documents', () => {
    const gateway = containers.find((c) => c.workload.metadata.name === 'caracal-gateway') as CaracalContainer;
    const config = configOf(objects, gateway);
    const preStopSeconds = 5;
    expect(gateway.container.lifecycle.preStop.exec.command.join(' ')).toContain(`${preStopSeconds * 1000}`);
    expect(podSpec(gateway.workload).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(config.proxy.upstreamTimeoutMs / 1000 + preStopSeconds);

    const template = readObjects('k8s/secret.template.yaml')[0];
    const documented = new Set(Object.keys(template.stringData ?? {}));
    for (const workload of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      const spec = podSpec(workload);
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      for (const container of spec.containers) {
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(container.resources.requests).toBeDefined();
        expect(container.resources.limits).toBeDefined();
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref) expect(`${ref.name}/${ref.key}: ${documented.has(ref.key)}`).toBe(`caracal-secrets/${ref.key}: true`);
        }
      }
    }
  });

  it('autoscales and spreads as the overlay promises', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'caracal-gateway');
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name);
    if (overlay === 'small') {
      expect(hpa).toBeUndefined();
      for (const deployment of objects.filter((o) => o.kind === 'Deployment')) expect(deployment.spec.replicas).toBe(1);
    } else {
      // `kubectl autoscale deployment/caracal-gateway --min=3 --max=10 --cpu-percent=70`
      expect(hpa?.spec).toEqual({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'caracal-gateway' },
        minReplicas: 3,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      });
      expect(pdbs).toContain('caracal-kafka-relay');
    }
    for (const name of ['caracal-gateway', 'caracal-ledger-writer', 'caracal-metrics-aggregator', 'caracal-merkle-sealer']) expect(pdbs).toContain(name);
  });
});

describe('k8s/secret.template.yaml', () => {
  it('is a valid Secret that holds placeholders only, outside every kustomization', async () => {
    const [template] = readObjects('k8s/secret.template.yaml');
    await validateAgainstSchema(template);
    expect(template.metadata.name).toBe('caracal-secrets');
    for (const [key, value] of Object.entries(template.stringData ?? {})) {
      expect(`${key}: ${value.replace(/<[a-z-]+>/g, '')}`).toMatch(new RegExp(`^${key}: [^A-Za-z0-9]*(postgres://caracal:@postgresql:5432/caracal)?$`));
    }
    for (const overlay of OVERLAYS) expect(find(renderOverlay(overlay), 'Secret', 'caracal-secrets')).toBeUndefined();
  });
});
