import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import type { ReplayJob } from '@caracal/api-contract';
import { formatReplayStarted } from '../../output/replay-output.js';

export default class ReplayStart extends GatewayCommand {
  static override summary = 'Start a replay job: the processors catch the read models up from a restored snapshot (or the start) to the head.';
  static override description =
    'The processor hosts run the job (the projector; the gateway itself in the embedded profile) and keep its progress in the database, ' +
    'so it survives their restart. Run after `caracal snapshot restore` (--from-snapshot) or `caracal db reset --confirm` (--from-start).';

  static override examples = [
    { description: 'Event replay recovery (runbook).', command: 'caracal replay start --from-snapshot <snapshot-id>' },
    { description: 'Rebuild from the whole log after db reset.', command: 'caracal replay start --from-start' },
    { description: 'Only the ledger writer.', command: 'caracal replay start --from-start --processor ledger-writer-group' },
  ];

  static override flags = {
    'from-snapshot': Flags.string({ summary: 'Id of the snapshot restored with caracal snapshot restore.' }),
    'from-start': Flags.boolean({ summary: 'From the start of the log (after caracal db reset --confirm).' }),
    processor: Flags.string({ summary: 'Only this processor (consumer group), e.g. ledger-writer-group.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ReplayStart);
    if ((flags['from-snapshot'] === undefined) === !flags['from-start']) {
      throw new CliError('give exactly one of --from-snapshot <snapshot-id> or --from-start.', EXIT_USAGE);
    }
    const job = await this.gateway(flags).post<ReplayJob>('/v1/replays', {
      ...(flags['from-snapshot'] === undefined ? { fromStart: true } : { fromSnapshotId: flags['from-snapshot'] }),
      ...(flags.processor === undefined ? {} : { processor: flags.processor }),
    });
    this.show(flags, job, formatReplayStarted);
  }
}
