import * as Flags from '@oclif/core/flags';
import { GatewayCommand } from '../../base-command.js';
import type { ConsumerLag, ItemList } from '@caracal/api-contract';
import { formatConsumerLag } from '../../output/ops-output.js';

export default class KafkaConsumerLag extends GatewayCommand {
  static override summary = 'How far each consumer group (processor) is behind the event log.';
  static override description =
    'Per group: events behind, age of the oldest unprocessed event, last checkpoint, the instance holding the lease and whether the lease is active. ' +
    'With the Kafka bus (CARACAL_BUS=kafka) the ledger and metrics groups are Kafka consumer groups: per partition, the committed offset against the ' +
    'high watermark, and the members with their partitions; the other processors read the event store ("bus: event-store").';

  static override examples = [
    { description: "The ledger writer's lag (runbook).", command: 'caracal kafka consumer-lag --consumer-group ledger-writer-group' },
    { description: 'Every consumer group.', command: 'caracal kafka consumer-lag --json' },
  ];

  static override flags = {
    'consumer-group': Flags.string({ summary: 'Only this group, e.g. ledger-writer-group. Default: every group.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(KafkaConsumerLag);
    const lag = await this.gateway(flags).get<ItemList<ConsumerLag>>('/v1/consumer-lag', { consumerGroup: flags['consumer-group'] });
    this.show(flags, lag, (answer) => formatConsumerLag(answer.items));
  }
}
