import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, startProjectorProcess, REPO_ROOT, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { readObjects, validateAgainstSchema } from '@caracal/test-support/k8s-manifests.js';
import { createTestDatabase, shouldRunPostgresTests, type TestDatabase } from '@caracal/test-support/postgres-test-database.js';
import { waitFor } from '@caracal/test-support/wait-for.js';

/**
 * monitoring/ (docs/deploy.md): the alert rules pass `promtool check rules` and their unit tests
 * (each alert firing and not); the dashboards are ConfigMaps for Grafana's sidecar; and every
 * metric a dashboard or rule queries is one a running gateway or projector exposes.
 */

const RULES = 'monitoring/prometheus/caracal-alerts.yaml';
const RULE_TESTS = 'monitoring/prometheus/caracal-alerts.test.yaml';
const DASHBOARDS = 'monitoring/grafana/dashboards';
const TOKEN = 'e2e-monitoring-token';

/** The runbook's "Key Metrics". */
const RUNBOOK_METRICS = [
  'caracal_gateway_requests_total', 'caracal_gateway_request_duration_seconds', 'caracal_kafka_consumer_lag',
  'caracal_merkle_verification_failures_total', 'caracal_dlq_size',
];

const promtool = (...args: string[]): string => execFileSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8' });

interface Dashboard {
  uid: string;
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
}

function dashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(`${REPO_ROOT}${DASHBOARDS}`).filter((f) => f.endsWith('.yaml')).sort().map((file) => {
    const [configMap] = readObjects(`${DASHBOARDS}/${file}`);
    const json = Object.values(configMap.data ?? {});
    expect(json).toHaveLength(1);
    return { file, dashboard: JSON.parse(json[0]) as Dashboard };
  });
}

function ruleExpressions(): string[] {
  const file = parseYaml(readFileSync(`${REPO_ROOT}${RULES}`, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  return file.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

function dashboardExpressions(): string[] {
  return dashboards().flatMap(({ dashboard }) => dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)));
}

/** The Caracal metric names a PromQL expression reads (identifiers outside quoted label values). */
function metricNames(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return [...new Set(unquoted.match(/\bcaracal_[a-zA-Z0-9_:]*/g) ?? [])];
}

/** The series names a /metrics page declares (`# TYPE`), with a histogram's _bucket, _sum and _count. */
function exposedNames(page: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', RULES)).toMatch(/SUCCESS: 9 rules found/);
  });

  it('pass their promtool unit tests, which cover each alert firing and not firing', () => {
    expect(promtool('test', 'rules', RULE_TESTS)).toContain('SUCCESS');
    const alerts = (parseYaml(readFileSync(`${REPO_ROOT}${RULES}`, 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tests = (parseYaml(readFileSync(`${REPO_ROOT}${RULE_TESTS}`, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests.flatMap((t) => t.alert_rule_test);
    for (const alert of alerts) {
      const cases = tests.filter((t) => t.alertname === alert);
      expect(`${alert}: fires ${cases.some((c) => c.exp_alerts.length > 0)}, quiet ${cases.some((c) => c.exp_alerts.length === 0)}`).toBe(`${alert}: fires true, quiet true`);
    }
  });

  it('send the operator to a procedure of docs/runbook.md that exists, and the runbook lists each alert', () => {
    const runbook = readFileSync(`${REPO_ROOT}docs/runbook.md`, 'utf8');
    const headings = new Set([...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]));
    const rules = (parseYaml(readFileSync(`${REPO_ROOT}${RULES}`, 'utf8')) as { groups: { rules: { alert: string; annotations: { description: string } }[] }[] }).groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      const procedure = /docs\/runbook\.md, ([^.:]+)/.exec(rule.annotations.description)?.[1];
      expect(`${rule.alert}: ${procedure} ${headings.has(procedure ?? '')}`).toBe(`${rule.alert}: ${procedure} true`);
      expect(runbook).toContain(rule.alert.replace(/(High|Critical|Large)$/, ''));
    }
  });

  it('hold the thresholds operators start from', () => {
    const text = readFileSync(`${REPO_ROOT}${RULES}`, 'utf8');
    for (const threshold of ['caracal_kafka_consumer_lag) > 10000\n        for: 5m', 'caracal_kafka_consumer_lag) > 50000\n        for: 2m', 'max(caracal_dlq_size) > 1000', 'max(caracal_dlq_size) > 10000', 'caracal_gateway_request_duration_seconds_bucket[5m]))) > 5', '[5m])) > 0.05']) {
      expect(text).toContain(threshold);
    }
  });
});

describe('dashboards', () => {
  it('are ConfigMaps labelled for the Grafana sidecar, one dashboard each, with unique uids', async () => {
    const found = dashboards();
    expect(found.map(({ file }) => file)).toEqual(['caracal-budgets.yaml', 'caracal-consumers.yaml', 'caracal-dlq.yaml', 'caracal-gateway.yaml', 'caracal-merkle.yaml']);
    for (const { file } of found) {
      const [configMap] = readObjects(`${DASHBOARDS}/${file}`);
      await validateAgainstSchema(configMap);
      expect(configMap.metadata.labels?.grafana_dashboard).toBe('1');
    }
    expect(new Set(found.map(({ dashboard }) => dashboard.uid)).size).toBe(found.length);
  });

  it('query with valid PromQL (promtool parses each as a recording rule)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'caracal-promql-'));
    try {
      const rules = dashboardExpressions().map((expr, i) => ({ record: `caracal_dashboard_query_${i}`, expr }));
      writeFileSync(join(dir, 'queries.yaml'), stringifyYaml({ groups: [{ name: 'dashboards', rules }] }));
      expect(promtool('check', 'rules', join(dir, 'queries.yaml'))).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const runPostgres = await shouldRunPostgresTests('monitoring metrics e2e');

(runPostgres ? describe : describe.skip)('every metric the dashboards and rules query', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-monitoring-'));
  let db: TestDatabase;
  let gateway: GatewayProcess;
  let projector: GatewayProcess;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_monitoring');
    const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const env = { DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: TOKEN, CARACAL_MERKLE_SIGNING_KEY: signingKey };
    gateway = await startGatewayProcess(env, workDir);
    projector = await startProjectorProcess(env, workDir);
  });
  afterAll(async () => {
    await projector?.stop();
    await gateway?.stop();
    await db?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('is exposed by a running gateway or projector', async () => {
    const gatewayMetrics = /metrics:\s+curl (\S+)/.exec(gateway.output())?.[1] as string;
    const scrape = async (url: string): Promise<string> => (await fetch(url)).text();
    // The projector's lease gauge appears once its processors have started.
    await waitFor(async () => (await scrape(projector.url)).includes('caracal_processor_active{consumer_group="merkle-sealer-group"}'), 'the projector reports its processors', 20_000, 100);
    const exposed = new Set([...exposedNames(await scrape(gatewayMetrics)), ...exposedNames(await scrape(projector.url))]);
    for (const name of RUNBOOK_METRICS) expect(exposed).toContain(name);

    const queries = [...ruleExpressions(), ...dashboardExpressions()];
    expect(queries.length).toBeGreaterThan(20);
    for (const expr of queries) {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      const missing = names.filter((name) => !exposed.has(name));
      expect(`${expr}\nmissing: ${missing.join(', ')}`).toBe(`${expr}\nmissing: `);
    }
  });
});
