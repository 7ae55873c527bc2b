import { performance } from 'node:perf_hooks';
import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE, EXIT_USAGE, ReportedFailure } from '../../cli-error.js';
import type { MerkleRangeRecord, MerkleRangeVerification } from '@caracal/api-contract';
import { formatRangeVerification, formatVerificationProgress } from '../../output/merkle-output.js';
import { formatVerificationRate } from '../../output/verification-rate.js';
import { checkTimestamp } from '../../timestamp.js';

export default class MerkleVerifyRange extends GatewayCommand {
  static override summary = 'Verify every sealed Merkle batch whose events fall in an event-time range, and that every event is covered.';
  static override description =
    'Per batch OK/FAILED with the findings; events not sealed yet are reported, not failures. Exits 1 when anything failed. ' +
    'The gateway streams its progress while it verifies: a progress bar is drawn on stderr when it is a terminal and --json is not set.';

  static override examples = [
    {
      description: 'Verify a time range (runbook).',
      command: 'caracal merkle verify-range --start-time "2024-01-01T00:00:00Z" --end-time "2024-01-31T23:59:59Z"',
    },
    { description: 'Everything up to now.', command: 'caracal merkle verify-range --start-time <timestamp> --end-time now' },
  ];

  static override flags = {
    'start-time': Flags.string({ summary: 'Start of the range (event time, inclusive), ISO 8601 with offset.', required: true }),
    'end-time': Flags.string({ summary: 'End of the range (inclusive), ISO 8601 with offset, or now.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleVerifyRange);
    const startTime = checkTimestamp('start-time', flags['start-time']);
    const endTime = checkTimestamp('end-time', flags['end-time'], { allowNow: true });
    if (endTime !== 'now' && Date.parse(startTime) > Date.parse(endTime)) {
      throw new CliError(`--start-time ${startTime} is after --end-time ${endTime}.`, EXIT_USAGE);
    }
    // Streamed even without a bar: a long range answers with progress records, not after minutes of silence.
    const bar = !flags.json && process.stderr.isTTY ? process.stderr : undefined;
    let result: MerkleRangeVerification | undefined;
    const started = performance.now();
    try {
      const plain = await this.gateway(flags).getRecords('/v1/merkle/verify-range', { startTime, endTime }, (value) => {
        const record = value as MerkleRangeRecord;
        if (record.type === 'progress') bar?.write(`\r${formatVerificationProgress(record.done, record.total)}`);
        else if (record.type === 'report') result = record.report;
        else if (record.type === 'error') {
          throw new CliError(`the gateway stopped verifying: ${record.message}`, EXIT_GATEWAY_FAILURE, record.request_id ? [`request id: ${record.request_id}`] : []);
        }
      });
      if (plain !== undefined) result = plain as MerkleRangeVerification;
    } finally {
      bar?.write('\r\u001b[2K');
    }
    if (result === undefined) throw new CliError('the gateway ended the verify-range answer without a report.', EXIT_GATEWAY_FAILURE);
    const elapsedMs = performance.now() - started;
    this.show(flags, result, formatRangeVerification);
    if (!flags.json) console.error(formatVerificationRate(result.totals.events, elapsedMs));
    if (!result.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
