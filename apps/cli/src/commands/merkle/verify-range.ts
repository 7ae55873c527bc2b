import { Flags } from '@oclif/core';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE, EXIT_USAGE, ReportedFailure } from '../../cli-error.js';
import type { MerkleRangeVerification } from '../../gateway-api.js';
import { formatRangeVerification } from '../../output/merkle-output.js';
import { checkTimestamp } from '../../timestamp.js';

export default class MerkleVerifyRange extends GatewayCommand {
  static override summary = 'Verify every sealed Merkle batch whose events fall in an event-time range, and that every event is covered.';
  static override description =
    'Per batch OK/FAILED with the findings; events not sealed yet are reported, not failures. Exits 1 when anything failed.';

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
    const result = await this.gateway(flags).get<MerkleRangeVerification>('/v1/merkle/verify-range', { startTime, endTime });
    this.show(flags, result, formatRangeVerification);
    if (!result.ok) throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
