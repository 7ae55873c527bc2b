import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import type { ResetResult } from '@caracal/api-contract';
import { formatReset, RESET_KEEPS, RESET_SCOPE } from '../../output/ops-output.js';

export default class DbReset extends GatewayCommand {
  static override summary = 'Empty the read models so the processors rebuild them from the event log (needs --confirm).';
  static override description =
    `Empties ${RESET_SCOPE}, in one transaction. Never touched: ${RESET_KEEPS}. ` +
    'Stop the processors first (a running one loses its lease and checkpoint and restarts from the beginning of the log).';

  static override examples = [{ description: 'Before an event replay (runbook).', command: 'caracal db reset --confirm' }];

  static override flags = {
    confirm: Flags.boolean({ summary: 'Really empty the read models, checkpoints and DLQ.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DbReset);
    if (!flags.confirm) {
      throw new CliError(`db reset would empty ${RESET_SCOPE}. Nothing was changed.`, EXIT_USAGE, [
        `Never touched: ${RESET_KEEPS}; the processors rebuild the read models from the log. Stop them first, then rerun with --confirm.`,
      ]);
    }
    const result = await this.gateway(flags).post<ResetResult>('/v1/ops/reset', { confirm: true });
    this.show(flags, result, formatReset);
  }
}
