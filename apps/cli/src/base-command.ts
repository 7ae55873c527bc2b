import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import type { Input, ParserOutput } from '@oclif/core/interfaces';
import { checkArgvText, refusePrototypeFlags } from './argv-text-check.js';
import { CliError, ReportedFailure } from './cli-error.js';
import { DEFAULT_DATA_DIR, DEFAULT_GATEWAY_URL, resolveConnectionSettings } from './connection-settings.js';
import { GatewayClient } from './gateway-client.js';
import { formatError } from './output/error-output.js';

/** The connection flags every command accepts, as oclif parses them. */
export interface ConnectionFlagValues {
  url?: string;
  token?: string;
  'data-dir'?: string;
}

/** A command that calls the gateway's admin API: global flags, output and error reporting. */
export abstract class GatewayCommand extends Command {
  // Flag > environment variable > data dir > default is resolved in connection-settings.ts, not
  // with oclif's `env` option, so the whole order lives (and is tested) in one place.
  static override baseFlags = {
    url: Flags.string({
      summary: `Gateway URL (alias --gateway-url). Env: CARACAL_URL. Default: <data-dir>/gateway.json, then ${DEFAULT_GATEWAY_URL}.`,
      aliases: ['gateway-url'],
      helpGroup: 'GLOBAL',
    }),
    token: Flags.string({
      summary: 'Admin token. Env: CARACAL_TOKEN. Default: <data-dir>/admin-token.',
      helpGroup: 'GLOBAL',
    }),
    'data-dir': Flags.string({
      summary: `Embedded gateway's data directory. Env: CARACAL_DATA_DIR. Default: ${DEFAULT_DATA_DIR}.`,
      helpGroup: 'GLOBAL',
    }),
    json: Flags.boolean({
      summary: "Print the gateway's JSON answer as is, for scripts.",
      helpGroup: 'GLOBAL',
    }),
  };

  /**
   * oclif's parse, with the checks every value gets before a command reads it. The type
   * parameters repeat oclif's own constraints (FlagOutput/ArgOutput, which it does not export).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected override async parse<F extends Record<string, any>, B extends Record<string, any>, A extends Record<string, any>>(
    options?: Input<F, B, A>,
    argv?: string[],
  ): Promise<ParserOutput<F, B, A>> {
    refusePrototypeFlags(argv ?? this.argv);
    const parsed = await super.parse(options, argv);
    checkArgvText(parsed.flags, 'flag');
    checkArgvText(parsed.args, 'argument');
    return parsed;
  }

  protected gateway(flags: ConnectionFlagValues): GatewayClient {
    return new GatewayClient(resolveConnectionSettings({ url: flags.url, token: flags.token, dataDir: flags['data-dir'] }));
  }

  /** With --json the gateway's answer verbatim (pretty-printed), otherwise its human rendering. */
  protected show<T>(flags: { json: boolean }, answer: T, formatHuman: (answer: T) => string): void {
    this.log(flags.json ? JSON.stringify(answer, null, 2) : formatHuman(answer));
  }

  /** Expected failures print as `Error: ...` with their details and exit code; the rest go to oclif. */
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof CliError) {
      if (!(error instanceof ReportedFailure)) this.logToStderr(formatError(error));
      this.exit(error.exitCode);
    }
    return super.catch(error);
  }
}
