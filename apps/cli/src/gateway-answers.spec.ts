// How every command prints the gateway's answers: --json as sent, and error answers. The stand-in
// gateway (test/support/cli-command-gateway.ts) records each request and answers canned JSON shaped
// as docs/api.md says.
import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AgentGet from './commands/agent/get.js';
import AgentUpdate from './commands/agent/update.js';
import PolicyCreate from './commands/policy/create.js';
import PolicyList from './commands/policy/list.js';
import PricebookSet from './commands/pricebook/set.js';
import { ADMIN_TOKEN, AGENT_ID, commandGateway, policy } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

describe('--json', () => {
  it("prints the gateway's answer exactly, pretty-printed", async () => {
    const body = { items: [policy], nextCursor: null };
    gateway.answer = { status: 200, body };
    const run = await runCliCommand(PolicyList, ['--json']);
    expect(run.stdout).toBe(`${JSON.stringify(body, null, 2)}\n`);
  });
});

describe('errors', () => {
  it("prints a gateway message that already lists the fields once, not again as details", async () => {
    gateway.answer = {
      status: 400,
      body: {
        error: 'validation_failed',
        message: 'Validation failed: agentId: agentId must be a UUID; limit: must be 1 to 500',
        request_id: 'req-1',
        details: [{ field: 'agentId', message: 'agentId must be a UUID' }, { field: 'limit', message: 'must be 1 to 500' }],
      },
    };
    const run = await runCliCommand(AgentGet, ['--agent-id', 'nope']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('Error: Validation failed: agentId: agentId must be a UUID; limit: must be 1 to 500\n');
  });

  it('pricebook set: a version published with other contents is a 409 that says nothing was published and what to do', async () => {
    const file = join(gateway.dataDir, 'pricebook.json');
    writeFileSync(file, JSON.stringify({ version: 'v1' }));
    gateway.answer = { status: 409, body: { error: 'conflict', message: 'pricebook version v1 was already published with a different document; publish prices under a new version', request_id: 'r' } };
    const run = await runCliCommand(PricebookSet, ['--file', file]);
    expect(run.exitCode).toBe(1);
    expect(gateway.onlyRequest()).toMatchObject({ method: 'PUT', url: '/v1/pricebook', body: { version: 'v1' } });
    expect(run.stderr).toBe(
      'Error: pricebook version v1 was already published with a different document; publish prices under a new version\n' +
        `  Nothing was published. Put the new prices under a new "version" in ${file}.\n` +
        '  See the version in force with `caracal pricebook list`.\n',
    );
  });

  it('a 400 prints the message and each field, exits 1, no stack', async () => {
    gateway.answer = {
      status: 400,
      body: {
        error: 'validation_failed',
        message: 'request validation failed',
        request_id: 'req-1',
        details: [
          { field: 'limit', message: 'must be a decimal amount such as 100.00' },
          { field: 'currency', message: 'unknown currency XYZ' },
        ],
      },
    };
    const run = await runCliCommand(PolicyCreate, [
      '--agent-id', AGENT_ID, '--limit', 'ten', '--currency', 'XYZ', '--time-window', 'daily', '--window-type', 'calendar', '--change-reason', 'r',
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'Error: request validation failed\n  limit: must be a decimal amount such as 100.00\n  currency: unknown currency XYZ\n',
    );
  });

  it('a 401 says where the token came from, never the token', async () => {
    gateway.answer = { status: 401, body: { error: 'unauthorized', message: 'missing or wrong admin token', request_id: 'req-1' } };
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      "Error: missing or wrong admin token\n  The admin token came from CARACAL_TOKEN; check that it is the gateway's.\n",
    );
    expect(run.stdout + run.stderr).not.toContain(ADMIN_TOKEN);
  });

  it('a 5xx gives the request id to look for in the gateway logs', async () => {
    gateway.answer = { status: 503, body: { error: 'store_unavailable', message: 'the event store is unreachable', request_id: 'req-42' } };
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('Error: the event store is unreachable\n  request id: req-42\n');
  });

  it('connection refused names the URL and how to start or point at a gateway', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID, '--url', deadUrl]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      `Error: cannot reach the Caracal gateway at ${deadUrl} (ECONNREFUSED).\n` +
        '  Start the embedded gateway with `npm start`, or point the CLI at a running one with --url or CARACAL_URL.\n',
    );
  });

  it('a missing token is a usage error (exit 2) and nothing is sent', async () => {
    delete process.env.CARACAL_TOKEN;
    const run = await runCliCommand(AgentGet, ['--agent-id', AGENT_ID]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^Error: no admin token found\.\n {2}Looked in: --token, CARACAL_TOKEN, /);
    expect(gateway.requests).toHaveLength(0);
  });

  it('oclif usage errors exit 2 before any request', async () => {
    const badWindow = await runCliCommand(PolicyCreate, [
      '--agent-id', AGENT_ID, '--limit', '1', '--currency', 'USD', '--time-window', 'yearly', '--window-type', 'calendar', '--change-reason', 'r',
    ]);
    const nothingToUpdate = await runCliCommand(AgentUpdate, ['--agent-id', AGENT_ID]);
    const badMetadata = await runCliCommand(AgentUpdate, ['--agent-id', AGENT_ID, '--metadata', 'no-equals-sign']);
    expect([badWindow.exitCode, nothingToUpdate.exitCode, badMetadata.exitCode]).toEqual([2, 2, 2]);
    expect(nothingToUpdate.stderr).toBe('Error: nothing to update: pass --name, --description or --metadata.\n');
    expect(badMetadata.stderr).toBe('Error: --metadata expects key=value, got "no-equals-sign".\n');
    expect(gateway.requests).toHaveLength(0);
  });
});
