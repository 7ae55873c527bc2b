// `kafka consumer-lag`. The stand-in gateway (test/support/cli-command-gateway.ts) records each
// request and answers canned JSON shaped as docs/api.md says. The runbook forms are split into argv
// by bash itself, exactly as an operator's shell would.
import { describe, expect, it } from '@jest/globals';
import KafkaConsumerLag from './commands/kafka/consumer-lag.js';
import type { ConsumerLag } from '@caracal/api-contract';
import { commandGateway, runbookArgv } from '@caracal/test-support/cli-command-gateway.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

const gateway = commandGateway();

const ledgerWriterLag: ConsumerLag = {
  consumerGroup: 'ledger-writer-group',
  version: 1,
  eventsBehind: 1250,
  oldestUnprocessedAt: '2024-01-15T09:47:00.000Z',
  oldestUnprocessedAgeSeconds: 780.4,
  lastCheckpointAt: '2024-01-15T09:46:59.000Z',
  eventsProcessed: 98000,
  owner: 'gateway-7f9c:4242',
  leaseExpiresAt: '2024-01-15T10:00:15.000Z',
  leaseActive: true,
  bus: 'event-store',
};

describe('runbook commands, as written in operational-runbook.txt', () => {
  it('caracal kafka consumer-lag: GET /v1/consumer-lag for the group, and the bus it reads', async () => {
    gateway.answer = { status: 200, body: { items: [ledgerWriterLag] } };
    const run = await runCliCommand(KafkaConsumerLag, runbookArgv('caracal kafka consumer-lag --consumer-group ledger-writer-group', 2));
    expect(run.exitCode).toBe(0);
    const request = gateway.onlyRequest();
    expect([request.method, request.url, request.body]).toEqual(['GET', '/v1/consumer-lag?consumerGroup=ledger-writer-group', undefined]);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^CONSUMER GROUP +EVENTS BEHIND +OLDEST UNPROCESSED +LAST CHECKPOINT +OWNER +LEASE ACTIVE$/);
    expect(lines[1]).toBe('ledger-writer-group v1           1250              13m 0s  2024-01-15T09:46:59.000Z  gateway-7f9c:4242  yes');
    expect(run.stdout.endsWith('\nbus: event-store\n')).toBe(true);
  });
});

describe('kafka consumer-lag', () => {
  it('without --consumer-group lists every group', async () => {
    gateway.answer = { status: 200, body: { items: [ledgerWriterLag, { ...ledgerWriterLag, consumerGroup: 'metrics-aggregator-group', eventsBehind: 0, oldestUnprocessedAt: null, oldestUnprocessedAgeSeconds: null, owner: null, leaseActive: false }] } };
    const run = await runCliCommand(KafkaConsumerLag, []);
    expect(gateway.onlyRequest().url).toBe('/v1/consumer-lag');
    expect(run.stdout).toContain('metrics-aggregator-group v1              0                   -  2024-01-15T09:46:59.000Z  -                  no\n');
  });
});
