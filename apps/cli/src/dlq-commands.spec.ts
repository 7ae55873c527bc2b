// DLQ commands (dlq list|get|retry|discard). The stand-in gateway (test/support/cli-command-
// gateway.ts) records each request and answers canned JSON shaped as docs/api.md says. The runbook
// forms are split into argv by bash itself, exactly as an operator's shell would.
import { describe, expect, it } from '@jest/globals';
import DlqDiscard from './commands/dlq/discard.js';
import DlqGet from './commands/dlq/get.js';
import DlqList from './commands/dlq/list.js';
import DlqRetry from './commands/dlq/retry.js';
import type { DlqEntry } from '@caracal/api-contract';
import { AGENT_ID, EVENT_ID, commandGateway, runbookArgv } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

const dlqEntry: DlqEntry = {
  id: '7',
  processor: 'ledger-writer-group',
  version: 1,
  eventId: EVENT_ID,
  globalPosition: '42',
  streamId: `reservation-${AGENT_ID}`,
  eventType: 'SpendSettled',
  error: 'unknown currency XYZ',
  attempts: 5,
  firstFailedAt: '2024-01-15T10:00:01.000Z',
  lastFailedAt: '2024-01-15T10:00:04.000Z',
  status: 'parked',
};

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal dlq list: GET /v1/dlq for the parked entries', async () => {
    gateway.answer = { status: 200, body: { items: [dlqEntry], size: 1 } };
    const run = await runCliCommand(DlqList, runbookArgv('caracal dlq list', 2));
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/v1/dlq?status=parked');
    expect(request.body).toBeUndefined();
    expect(run.stdout).toContain(`${EVENT_ID}  ledger-writer-group v1  SpendSettled`);
    expect(run.stdout).toContain('unknown currency XYZ');
    expect(run.stdout.endsWith('DLQ size (parked entries): 1\n')).toBe(true);
  });

  it('caracal dlq get: GET /v1/dlq/{eventId}, one block per processor', async () => {
    gateway.answer = { status: 200, body: { items: [dlqEntry] } };
    const run = await runCliCommand(DlqGet, runbookArgv(`caracal dlq get --event-id ${EVENT_ID}`, 2));
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['GET', `/v1/dlq/${EVENT_ID}`, undefined]);
    expect(run.stdout).toContain('Processor:        ledger-writer-group v1');
    expect(run.stdout).toContain('Error:            unknown currency XYZ');
  });
});

describe('dlq', () => {
  it('list sends its filters; --all asks for every status', async () => {
    gateway.answer = { status: 200, body: { items: [], size: 0 } };
    const run = await runCliCommand(DlqList, ['--processor', 'ledger-writer-group', '--since', '2024-01-15T00:00:00Z', '--all', '--limit', '5']);
    expect(gateway.onlyRequest().url).toBe('/v1/dlq?processor=ledger-writer-group&since=2024-01-15T00%3A00%3A00Z&status=all&limit=5');
    expect(run.stdout).toBe('No DLQ entries found.\n\nDLQ size (parked entries): 0\n');
  });

  it('list refuses a --since that is not a time', async () => {
    const run = await runCliCommand(DlqList, ['--since', 'last week']);
    expect(run.exitCode).toBe(2);
    expect(gateway.requests).toHaveLength(0);
  });

  it('retry one event, every parked entry, or those of one processor', async () => {
    gateway.answer = { status: 200, body: { items: [{ processor: 'ledger-writer-group', version: 1, outcome: 'failed', error: 'unknown currency XYZ' }] } };
    const one = await runCliCommand(DlqRetry, ['--event-id', EVENT_ID]);
    await runCliCommand(DlqRetry, ['--all']);
    await runCliCommand(DlqRetry, ['--all', '--processor', 'ledger-writer-group']);
    expect(gateway.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/v1/dlq/${EVENT_ID}/retry`, {}],
      ['POST', '/v1/dlq/retry', {}],
      ['POST', '/v1/dlq/retry', { processor: 'ledger-writer-group' }],
    ]);
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toBe(
      'Retried 1 DLQ entry: 1 failed again and stays parked.\nPROCESSOR               OUTCOME  ERROR\nledger-writer-group v1  failed   unknown currency XYZ\n',
    );
  });

  it('retry needs exactly one of --event-id and --all; --processor goes with --all', async () => {
    const neither = await runCliCommand(DlqRetry, []);
    const both = await runCliCommand(DlqRetry, ['--event-id', EVENT_ID, '--all']);
    const processorAlone = await runCliCommand(DlqRetry, ['--event-id', EVENT_ID, '--processor', 'ledger-writer-group']);
    expect([neither.exitCode, both.exitCode, processorAlone.exitCode]).toEqual([2, 2, 2]);
    expect(neither.stderr).toBe('Error: say what to retry: --event-id <event-id>, or --all (optionally with --processor).\n');
    expect(gateway.requests).toHaveLength(0);
  });

  it('discard: POST /v1/dlq/{eventId}/discard', async () => {
    gateway.answer = { status: 200, body: { discarded: 2 } };
    const run = await runCliCommand(DlqDiscard, ['--event-id', EVENT_ID]);
    const request = gateway.onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['POST', `/v1/dlq/${EVENT_ID}/discard`, {}]);
    expect(run.stdout).toBe(`Discarded 2 DLQ entries of event ${EVENT_ID}; the event will not be projected.\n`);
  });
});
