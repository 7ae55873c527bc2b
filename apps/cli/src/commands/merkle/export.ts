import { readdir } from 'node:fs/promises';
import * as Flags from '@oclif/core/flags';
import { ExportBundleError, writeExportBundle, type ExportRecord } from '@caracal/sealing';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_GATEWAY_FAILURE, EXIT_USAGE } from '../../cli-error.js';
import { formatExportSummary } from '../../output/merkle-export-output.js';
import { checkTimestamp } from '../../timestamp.js';

export default class MerkleExport extends GatewayCommand {
  static override summary = 'Export the sealed batches of an event-time range as a bundle that verifies offline.';
  static override description =
    'Writes events.jsonl, heads.jsonl, public-keys.json, proofs.json and manifest.json (with the SHA-256 of each file) into --out, ' +
    'streamed from the gateway. Check it anywhere, with no server or database, using `caracal merkle verify-export`.';

  static override examples = [
    {
      description: 'Export January for an auditor.',
      command: 'caracal merkle export --start-time "2024-01-01T00:00:00Z" --end-time "2024-01-31T23:59:59Z" --out ./audit-2024-01',
    },
    { description: 'Everything up to now.', command: 'caracal merkle export --start-time <timestamp> --end-time now --out ./audit' },
  ];

  static override flags = {
    'start-time': Flags.string({ summary: 'Start of the range (event time, inclusive), ISO 8601 with offset.', required: true }),
    'end-time': Flags.string({ summary: 'End of the range (inclusive), ISO 8601 with offset, or now.', required: true }),
    out: Flags.string({ summary: 'Bundle directory to create (must not exist or be empty).', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MerkleExport);
    const startTime = checkTimestamp('start-time', flags['start-time']);
    const endTime = checkTimestamp('end-time', flags['end-time'], { allowNow: true });
    if (endTime !== 'now' && Date.parse(startTime) > Date.parse(endTime)) {
      throw new CliError(`--start-time ${startTime} is after --end-time ${endTime}.`, EXIT_USAGE);
    }
    const out = flags.out;
    const existing = await readdir(out).catch(() => []);
    if (existing.length > 0) throw new CliError(`--out ${out} is not empty; export into a new or empty directory.`, EXIT_USAGE);

    const records = this.gateway(flags).streamRecords('/v1/merkle/export', { startTime, endTime });
    try {
      const manifest = await writeExportBundle(exportRecords(records), out);
      this.show(flags, manifest, (answer) => formatExportSummary(answer, out));
    } catch (error) {
      if (error instanceof ExportBundleError) throw new CliError(`the export into ${out} is incomplete: ${error.message}`, EXIT_GATEWAY_FAILURE);
      // The directory cannot be made or written (a bad name, no permission, a full disk).
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined) throw new CliError(`--out ${out}: cannot write the bundle: ${code}`, EXIT_USAGE);
      throw error;
    }
  }
}

/** The gateway's records; an `error` record (the export broke after the 200) stops the export. */
async function* exportRecords(records: AsyncIterable<unknown>): AsyncGenerator<ExportRecord> {
  for await (const record of records) {
    const kind = (record as { kind?: unknown })?.kind;
    if (kind === 'error') {
      const { message, request_id: requestId } = record as { message?: string; request_id?: string };
      throw new CliError(`the gateway stopped the export: ${String(message)}`, EXIT_GATEWAY_FAILURE, requestId ? [`request id: ${requestId}`] : []);
    }
    yield record as ExportRecord;
  }
}
