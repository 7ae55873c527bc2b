import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caracalBinDir, sh } from '@caracal/test-support/cli-shell.js';
import { E2E_EVENT_AUTH_KEY, startGatewayProcess, type GatewayProcess } from '@caracal/test-support/gateway-process.js';
import { createTestDatabase, postgresAvailable } from '@caracal/test-support/postgres-test-database.js';
import { runbookCommand } from '@caracal/test-support/runbook.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

interface Profile {
  name: string;
  start(workDir: string): Promise<{ gateway: GatewayProcess; cliEnv: Record<string, string>; cleanup(): Promise<void> }>;
}

const embedded: Profile = {
  name: 'embedded (PGlite)',
  async start(workDir) {
    // The CLI runs in the folder where `npm start` ran and finds .caracal/ there by itself.
    const gateway = await startGatewayProcess({ CARACAL_DATA_DIR: join(workDir, '.caracal') }, workDir);
    return { gateway, cliEnv: {}, cleanup: async () => {} };
  },
};

const postgres: Profile = {
  name: 'production (PostgreSQL)',
  async start(workDir) {
    const db = await createTestDatabase('e2e_runbook');
    const token = 'e2e-admin-token';
    const gateway = await startGatewayProcess({ DATABASE_URL: db.url, CARACAL_EVENT_AUTH_KEY: E2E_EVENT_AUTH_KEY, CARACAL_ADMIN_TOKEN: token }, workDir);
    return { gateway, cliEnv: { CARACAL_URL: gateway.url, CARACAL_TOKEN: token }, cleanup: db.drop };
  },
};

const profiles = [embedded];
if (process.env.CI === 'true' || (await postgresAvailable())) profiles.push(postgres);

describe.each(profiles)('runbook foundation commands, verbatim, on $name', (profile) => {
  const binDir = caracalBinDir();
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-e2e-'));
  let running: Awaited<ReturnType<Profile['start']>>;
  let agentId: string;

  const run = (commandLine: string) => sh(commandLine, { cwd: workDir, env: running.cliEnv, binDir });
  const getJson = async (args: string) => {
    const result = await run(`caracal ${args} --json`);
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    running = await profile.start(workDir);
  });
  afterAll(async () => {
    await running?.gateway.stop();
    await running?.cleanup();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
  });

  it('caracal agent create', async () => {
    const result = await run(runbookCommand('caracal agent create'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ck_[0-9a-f]{16}_/); // the key, shown once
    agentId = UUID.exec(result.stdout)![0];
    const agent = await getJson(`agent get --agent-id ${agentId}`);
    expect(agent).toMatchObject({ agentId, name: 'my-agent', description: 'My AI agent', owner: 'user@example.com', status: 'active' });
  });

  it('caracal policy create', async () => {
    const result = await run(runbookCommand('caracal policy create', { 'agent-id': agentId }));
    expect(result.code).toBe(0);
    const policies = await getJson(`policy list --agent-id ${agentId}`);
    expect(policies.items).toEqual([
      expect.objectContaining({
        agentId, limit: '100.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar',
        timezone: 'UTC', active: true, version: 1, changeReason: 'Initial budget allocation',
      }),
    ]);
    expect(result.stdout).toContain(policies.items[0].policyId);
  });

  it('caracal allowlist create (regex, then glob)', async () => {
    const regex = await run(runbookCommand('caracal allowlist create', { 'agent-id': agentId }, 0));
    expect(regex.code).toBe(0);
    const glob = await run(runbookCommand('caracal allowlist create', { 'agent-id': agentId }, 1));
    expect(glob.code).toBe(0);
    const entries = await getJson(`allowlist list --agent-id ${agentId}`);
    expect(entries.items.map((e: { pattern: string; patternType: string }) => [e.patternType, e.pattern])).toEqual([
      ['regex', '^https://api\\.openai\\.com/.*$'],
      ['glob', 'https://api.anthropic.com/*'],
    ]);
    const tested = await getJson(`allowlist test --agent-id ${agentId} --url https://api.openai.com/v1/chat/completions`);
    expect(tested.allowed).toBe(true);
  });

  it('exits non-zero with the field named on bad input', async () => {
    const result = await run(`caracal policy create --agent-id ${agentId} --limit 12.3.4 --currency USD --time-window daily --window-type calendar --change-reason "typo"`);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/limit/);
    expect(result.stderr + result.stdout).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });

  if (profile === embedded) {
    it('keeps the admin token private and refuses a second process on the same data dir', async () => {
      expect(statSync(join(workDir, '.caracal', 'admin-token')).mode & 0o777).toBe(0o600);
      await expect(startGatewayProcess({ CARACAL_DATA_DIR: join(workDir, '.caracal') }, workDir, 30_000)).rejects.toThrow(/in use by process/);
    });
  }
});
