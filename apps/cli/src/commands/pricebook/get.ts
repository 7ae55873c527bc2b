import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import { apiPath } from '../../gateway-client.js';
import type { PricedModel } from '@caracal/api-contract';
import { formatModelPrice } from '../../output/pricebook-output.js';

export default class PricebookGet extends GatewayCommand {
  static override summary = 'Show the price the gateway uses for one model (dated snapshots resolve to their family).';

  static override examples = [
    { description: 'The price of an OpenAI model.', command: 'caracal pricebook get --model gpt-4o-2024-08-06 --provider openai' },
  ];

  static override flags = {
    model: Flags.string({ summary: 'Model name as the agent sends it.', required: true }),
    provider: Flags.string({ summary: 'Provider.', options: ['openai', 'anthropic'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PricebookGet);
    const price = await this.gateway(flags).get<PricedModel>(apiPath('pricebook', 'models', flags.model), { provider: flags.provider });
    this.show(flags, price, formatModelPrice);
  }
}
