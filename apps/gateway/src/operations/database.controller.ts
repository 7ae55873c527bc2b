import { Body, Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import type { ResetResult } from '@caracal/api-contract';
import type { SqlClient } from '@caracal/event-store';
import { deleteKafkaConsumerPositions } from '@caracal/messaging';
import { resetProcessors } from '@caracal/processing';
import { RedisSpendingCounters } from '@caracal/projections';
import { REDIS, SQL_CLIENT } from '../injection-tokens.js';
import { ResetDto } from './dto/reset.dto.js';
import { ProcessingStatus } from './processing-status.js';

/** The runbook's `db health-check` and `db reset`. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1')
export class DatabaseController {
  constructor(
    private readonly status: ProcessingStatus,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  @Get('ops/health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.status.health();
    await reply.status(report.status === 'unavailable' ? 503 : 200).send(report);
  }

  /**
   * Empties read models, their checkpoints and DLQ entries; never events, nor the merkle sealer's
   * batches, heads and keys (`kept`: signed heads were handed to auditors). The processors then rebuild.
   * The Kafka consumer groups' partition positions go too, whatever the bus is now (rows left by an
   * earlier Kafka run would make a later one skip the rebuilt events): each member then reads its
   * partitions from the start (docs/kafka.md, "db reset").
   */
  @Post('ops/reset')
  @HttpCode(200)
  async reset(@Body() _body: ResetDto): Promise<ResetResult> {
    const result = await resetProcessors(this.sql, this.status.registry.all(), { forgetProgress: deleteKafkaConsumerPositions });
    const redisKeys = this.redis ? await new RedisSpendingCounters(this.redis).clear() : 0;
    return { tables: [...result.tables], checkpoints: result.checkpoints, leases: result.leases, dlqEntries: result.dlqEntries, redisKeys, kept: [...result.kept] };
  }
}
