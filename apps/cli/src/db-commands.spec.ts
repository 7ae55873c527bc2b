// `db health-check` and `db reset`. The stand-in gateway (test/support/cli-command-gateway.ts)
// records each request and answers canned JSON shaped as docs/api.md says. The runbook forms are
// split into argv by bash itself, exactly as an operator's shell would.
import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import DbHealthCheck from './commands/db/health-check.js';
import DbReset from './commands/db/reset.js';
import type { HealthReport } from '@caracal/api-contract';
import { ADMIN_TOKEN, commandGateway, runbookArgv } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

function healthReport(status: 'ok' | 'unavailable'): HealthReport {
  return {
    status,
    checks: {
      database: status === 'ok' ? { status: 'ok' } : { status: 'unavailable', error: 'connect ECONNREFUSED 10.0.0.5:5432' },
      migrations: { status: 'ok', applied: 5 },
      processors: { 'ledger-writer-group': { status: 'degraded', eventsBehind: 1250 } },
      dlq: { status: 'ok', size: 0 },
    },
  };
}

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal db health-check: GET /v1/ops/health, the report, exit 0 when ok', async () => {
    gateway.answer = { status: 200, body: healthReport('ok') };
    const run = await runCliCommand(DbHealthCheck, runbookArgv('caracal db health-check', 2));
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['GET', '/v1/ops/health', undefined]);
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Status:  ok');
    expect(lines).toContain('processor ledger-writer-group  degraded  eventsBehind=1250');
    expect(lines).toContain('migrations                     ok        applied=5');
    expect(run.stderr).toBe('');
  });

  it('caracal db reset --confirm: POST /v1/ops/reset {confirm: true}, then what was emptied', async () => {
    gateway.answer = { status: 200, body: { tables: ['ledger_entries', 'spending_buckets'], checkpoints: 2, leases: 1, dlqEntries: 3, kept: ['merkle-sealer-group'] } };
    const run = await runCliCommand(DbReset, runbookArgv('caracal db reset --confirm', 2));
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['POST', '/v1/ops/reset', { confirm: true }]);
    expect(run.stdout).toBe(
      [
        'Database reset. Untouched: the event log, and the Merkle batches, signed tree heads and signing keys (the sealer goes on from where it was). The processors rebuild the read models from the log.',
        'Tables emptied:       ledger_entries, spending_buckets',
        'Checkpoints removed:  2',
        'Leases removed:       1',
        'DLQ entries removed:  3',
        'Processors kept:      merkle-sealer-group',
        '',
      ].join('\n'),
    );
  });
});

describe('db health-check', () => {
  it('a 503 report is shown, not printed as an error, and exits 1', async () => {
    gateway.answer = { status: 503, body: healthReport('unavailable') };
    const run = await runCliCommand(DbHealthCheck, []);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      'Status:  unavailable',
      '',
      'CHECK                          STATUS       DETAILS',
      'database                       unavailable  error=connect ECONNREFUSED 10.0.0.5:5432',
      'migrations                     ok           applied=5',
      'processor ledger-writer-group  degraded     eventsBehind=1250',
      'dlq                            ok           size=0',
      '',
    ]);
  });

  it('--json prints the 503 report as sent and still exits 1', async () => {
    gateway.answer = { status: 503, body: healthReport('unavailable') };
    const run = await runCliCommand(DbHealthCheck, ['--json']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe(`${JSON.stringify(healthReport('unavailable'), null, 2)}\n`);
    expect(run.stderr).toBe('');
  });

  it('exits 0 for a 200 "ok" report and 1 for a 200 report that is not ok', async () => {
    gateway.answer = { status: 200, body: healthReport('ok') };
    const ok = await runCliCommand(DbHealthCheck, ['--json']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toBe(`${JSON.stringify(healthReport('ok'), null, 2)}\n`);
    gateway.answer = { status: 200, body: { ...healthReport('ok'), status: 'unavailable' } };
    expect((await runCliCommand(DbHealthCheck, [])).exitCode).toBe(1);
  });

  it('a 503 that is an error body, not a report, is an error', async () => {
    gateway.answer = { status: 503, body: { error: 'store_unavailable', message: 'the event store is unreachable', request_id: 'req-9' } };
    const run = await runCliCommand(DbHealthCheck, []);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('Error: the event store is unreachable\n  request id: req-9\n');
  });

  it('an unreachable gateway is a clear error, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCliCommand(DbHealthCheck, ['--url', deadUrl]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.startsWith(`Error: cannot reach the Caracal gateway at ${deadUrl} (ECONNREFUSED).\n`)).toBe(true);
  });
});

describe('db reset', () => {
  it('without --confirm sends nothing, says what it would empty and exits 2', async () => {
    const run = await runCliCommand(DbReset, []);
    expect(run.exitCode).toBe(2);
    expect(gateway.requests).toHaveLength(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      "Error: db reset would empty every read model (ledger entries, spending totals and the other projections' tables), " +
        'their checkpoints, leases and dead-letter entries. Nothing was changed.\n' +
        '  Never touched: the event log, and the Merkle batches, signed tree heads and signing keys (the sealer goes on from where it was); ' +
        'the processors rebuild the read models from the log. Stop them first, then rerun with --confirm.\n',
    );
  });
});
