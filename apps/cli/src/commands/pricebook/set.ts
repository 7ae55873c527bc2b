import * as Flags from '@oclif/core/flags';
import { readFile } from 'node:fs/promises';
import { GatewayCommand } from '../../base-command.js';
import { CliError, EXIT_USAGE } from '../../cli-error.js';
import { GatewayError } from '../../gateway-client.js';
import type { PricebookDocument } from '@caracal/api-contract';
import { formatPricebook } from '../../output/pricebook-output.js';

export default class PricebookSet extends GatewayCommand {
  static override summary = 'Publish a new pricebook version from a file (same format as pricebook/pricebook.json).';

  static override description =
    'Every gateway process uses the new prices within seconds. A version can be published once: charges record the version they used. ' +
    'Running the command again with the same file (say, after a lost answer) succeeds without publishing anything new; ' +
    'a version already published with other contents is refused: give the new prices a new "version".';

  static override examples = [{ description: 'Publish new prices.', command: 'caracal pricebook set --file pricebook-2026-12.json' }];

  static override flags = {
    file: Flags.string({ summary: 'Path of the pricebook JSON document.', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PricebookSet);
    let document: unknown;
    try {
      document = JSON.parse(await readFile(flags.file, 'utf8'));
    } catch (error) {
      throw new CliError(`--file ${flags.file}: cannot read a JSON pricebook: ${(error as Error).message}`, EXIT_USAGE);
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new CliError(`--file ${flags.file} must hold a JSON object (a pricebook document).`, EXIT_USAGE);
    }
    let book: PricebookDocument;
    try {
      book = await this.gateway(flags).put<PricebookDocument>('/v1/pricebook', document);
    } catch (error) {
      // 409 is also "the pricebook stream kept changing concurrently": only a version conflict gets these hints.
      if (error instanceof GatewayError && error.status === 409 && error.message.includes('already published')) {
        throw new CliError(error.message, error.exitCode, [
          ...error.detailLines,
          `Nothing was published. Put the new prices under a new "version" in ${flags.file}.`,
          'See the version in force with `caracal pricebook list`.',
        ]);
      }
      throw error;
    }
    this.show(flags, book, (answer) => `Pricebook ${answer.version} is published (at ${answer.publishedAt ?? '-'}).\n\n${formatPricebook(answer)}`);
  }
}
