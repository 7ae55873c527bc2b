import { GatewayCommand } from '../../base-command.js';
import type { PricebookDocument } from '@caracal/api-contract';
import { formatPricebook } from '../../output/pricebook-output.js';

export default class PricebookList extends GatewayCommand {
  static override summary = 'Show the pricebook in force: its version and every model and resource price.';

  static override examples = [{ description: 'Current prices.', command: 'caracal pricebook list --json' }];

  async run(): Promise<void> {
    const { flags } = await this.parse(PricebookList);
    const book = await this.gateway(flags).get<PricebookDocument>('/v1/pricebook');
    this.show(flags, book, formatPricebook);
  }
}
