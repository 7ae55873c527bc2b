import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import { TIME_WINDOWS, type LedgerPage, type LedgerUsage } from '@caracal/api-contract';
import { formatLedgerPage, formatLedgerUsage } from '../../output/ledger-output.js';
import { checkTimestamp } from '../../timestamp.js';

const FORMS = 'Either --start-time and --end-time (the entries in that range, with totals) or --time-window (current spending per policy).';

export default class LedgerQuery extends GatewayCommand {
  static override summary = "An agent's spending: ledger entries in a time range, or current spending per policy window.";
  static override description =
    'With --start-time and --end-time: the ledger entries in that range, one page at a time, then the totals per currency over the whole range. ' +
    'OVERAGE is what an entry was charged above its hold, when the upstream reported more usage than the request allowed (max_tokens); --json also gives the hold. ' +
    '--end-time accepts now. Times are ISO 8601 with a UTC offset (2024-01-31T23:59:59Z), sent as written.\n' +
    "With --time-window: for every active policy of that window on the agent's path (its own and its ancestors'), " +
    'the current window, limit, spent, held and remaining amounts.';

  static override examples = [
    {
      description: 'Entries in January and their totals (runbook).',
      command: 'caracal ledger query --agent-id <agent-id> --start-time "2024-01-01T00:00:00Z" --end-time "2024-01-31T23:59:59Z"',
    },
    { description: 'Current daily spending (runbook).', command: 'caracal ledger query --agent-id <agent-id> --time-window daily' },
    { description: 'Everything since the start of the year.', command: 'caracal ledger query --agent-id <agent-id> --start-time 2024-01-01T00:00:00Z --end-time now' },
  ];

  static override flags = {
    'agent-id': Flags.string({ summary: 'Agent id.', required: true }),
    'start-time': Flags.string({ summary: 'Start of the range, ISO 8601, e.g. 2024-01-01T00:00:00Z.' }),
    'end-time': Flags.string({ summary: 'End of the range, ISO 8601 or now.' }),
    'time-window': Flags.option({ summary: 'Show current spending in this policy window instead of entries.', options: TIME_WINDOWS })(),
    limit: Flags.integer({ summary: 'Page size for entries (the gateway sets the default and maximum).' }),
    cursor: Flags.string({ summary: 'Next-page cursor printed by the previous page.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(LedgerQuery);
    const range = flags['start-time'] !== undefined || flags['end-time'] !== undefined;
    const timeWindow = flags['time-window'];
    if (range && timeWindow !== undefined) {
      throw new CliError('--time-window cannot be combined with --start-time/--end-time.', EXIT_USAGE, [FORMS]);
    }
    if (timeWindow !== undefined) {
      if (flags.limit !== undefined || flags.cursor !== undefined) {
        throw new CliError('--limit and --cursor page the entries of --start-time/--end-time; --time-window shows no entries.', EXIT_USAGE);
      }
      const usage = await this.gateway(flags).get<LedgerUsage>('/v1/ledger/usage', { agentId: flags['agent-id'], timeWindow });
      this.show(flags, usage, (answer) => formatLedgerUsage(answer, timeWindow));
      return;
    }
    if (!range) throw new CliError('nothing to query: pass --start-time and --end-time, or --time-window.', EXIT_USAGE, [FORMS]);
    if (flags['start-time'] === undefined || flags['end-time'] === undefined) {
      throw new CliError('--start-time and --end-time go together (use --end-time now for "until now").', EXIT_USAGE);
    }
    const startTime = checkTimestamp('start-time', flags['start-time']);
    const endTime = checkTimestamp('end-time', flags['end-time'], { allowNow: true });
    if (endTime !== 'now' && Date.parse(startTime) > Date.parse(endTime)) {
      throw new CliError(`--start-time ${startTime} is after --end-time ${endTime}.`, EXIT_USAGE);
    }
    const page = await this.gateway(flags).get<LedgerPage>('/v1/ledger/entries', {
      agentId: flags['agent-id'],
      startTime,
      endTime,
      limit: flags.limit,
      cursor: flags.cursor,
    });
    this.show(flags, page, (answer) => formatLedgerPage(answer, { startTime, endTime }));
  }
}
