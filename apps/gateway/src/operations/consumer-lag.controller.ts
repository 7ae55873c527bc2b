import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ConsumerLag, ItemList } from '@caracal/api-contract';
import { NotFoundError } from '@caracal/domain';
import { ProcessingStatus } from './processing-status.js';

/** The runbook's consumer lag: how far each processor is behind the log. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1')
export class ConsumerLagController {
  constructor(private readonly status: ProcessingStatus) {}

  @Get('consumer-lag')
  async consumerLag(@Query('consumerGroup') consumerGroup?: string): Promise<ItemList<ConsumerLag>> {
    const groups = consumerGroup ? [consumerGroup] : this.status.groups();
    if (consumerGroup && !this.status.groups().includes(consumerGroup)) {
      throw new NotFoundError('consumer group', `${consumerGroup} (known: ${this.status.groups().join(', ')})`);
    }
    return { items: await Promise.all(groups.map((group) => this.status.lag(group, { oldestUnconsumed: true }))) };
  }
}
