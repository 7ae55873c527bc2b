import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { NotFoundError } from '../../../../libs/domain/src/index.js';
import type { SqlClient } from '../../../../libs/event-store/src/index.js';
import { DlqEntryNotFoundError, resetProcessors, type DlqEntry, type DlqRetryOutcome } from '../../../../libs/processing/src/index.js';
import { RedisSpendingCounters } from '../../../../libs/projections/src/index.js';
import { REDIS, SQL_CLIENT } from '../injection-tokens.js';
import { instantOf } from '../http/is-time.decorator.js';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { DlqListQuery } from './dto/dlq-list.query.js';
import { DlqRetryDto } from './dto/dlq-retry.dto.js';
import { ResetDto } from './dto/reset.dto.js';
import { ProcessingStatus, type ConsumerLagView } from './processing-status.js';

interface DlqEntryView extends Omit<DlqEntry, 'id' | 'globalPosition' | 'transactionId' | 'firstFailedAt' | 'lastFailedAt'> {
  id: string;
  globalPosition: string;
  firstFailedAt: string;
  lastFailedAt: string;
}

const eventIdParam = new UuidParam('eventId');

/** The runbook's operations: DLQ, consumer lag, db health-check, db reset. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1')
export class OperationsController {
  constructor(
    private readonly status: ProcessingStatus,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  @Get('dlq')
  async listDlq(@Query() query: DlqListQuery): Promise<{ items: DlqEntryView[]; size: number }> {
    const items = await this.status.dlq.list({
      processor: query.processor,
      since: query.since ? instantOf(query.since) : undefined,
      status: query.status ?? 'parked',
      limit: query.limit ?? 100,
    });
    return { items: items.map(toDlqView), size: await this.status.dlq.size() };
  }

  @Get('dlq/:eventId')
  async getDlq(@Param('eventId', eventIdParam) eventId: string): Promise<{ items: DlqEntryView[] }> {
    const items = await this.status.dlq.get(eventId);
    if (items.length === 0) throw new NotFoundError('DLQ entry for event', eventId);
    return { items: items.map(toDlqView) };
  }

  @Post('dlq/retry')
  @HttpCode(200)
  async retryAll(@Body() body: DlqRetryDto): Promise<{ items: RetryView[] }> {
    this.assertKnownProcessor(body.processor);
    return { items: (await this.status.dlq.retryAll(body.processor)).map(toRetryView) };
  }

  @Post('dlq/:eventId/retry')
  @HttpCode(200)
  async retry(@Param('eventId', eventIdParam) eventId: string, @Body() body: DlqRetryDto): Promise<{ items: RetryView[] }> {
    this.assertKnownProcessor(body.processor);
    const outcomes = await parkedEntryOr404(eventId, () => this.status.dlq.retry(eventId, { processor: body.processor }));
    return { items: outcomes.map(toRetryView) };
  }

  @Post('dlq/:eventId/discard')
  @HttpCode(200)
  async discard(@Param('eventId', eventIdParam) eventId: string, @Body() body: DlqRetryDto): Promise<{ discarded: number }> {
    this.assertKnownProcessor(body.processor);
    return { discarded: await parkedEntryOr404(eventId, () => this.status.dlq.discard(eventId, { processor: body.processor })) };
  }

  @Get('consumer-lag')
  async consumerLag(@Query('consumerGroup') consumerGroup?: string): Promise<{ items: ConsumerLagView[] }> {
    const groups = consumerGroup ? [consumerGroup] : this.status.groups();
    if (consumerGroup && !this.status.groups().includes(consumerGroup)) {
      throw new NotFoundError('consumer group', `${consumerGroup} (known: ${this.status.groups().join(', ')})`);
    }
    return { items: await Promise.all(groups.map((group) => this.status.lag(group, { oldestUnconsumed: true }))) };
  }

  /** A processor named for an action must exist: a typo is a 404, not an empty success. */
  private assertKnownProcessor(processor: string | undefined): void {
    if (processor !== undefined && !this.status.groups().includes(processor)) {
      throw new NotFoundError('processor', `${processor} (known: ${this.status.groups().join(', ')})`);
    }
  }

  @Get('ops/health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.status.health();
    await reply.status(report.status === 'unavailable' ? 503 : 200).send(report);
  }

  /**
   * Empties read models, their checkpoints and DLQ entries; never events, nor the merkle sealer's
   * batches, heads and keys (`kept`: signed heads were handed to auditors). The processors then rebuild.
   */
  @Post('ops/reset')
  @HttpCode(200)
  async reset(@Body() _body: ResetDto): Promise<{ tables: string[]; checkpoints: number; leases: number; dlqEntries: number; redisKeys: number; kept: string[] }> {
    const result = await resetProcessors(this.sql, this.status.registry.all());
    const redisKeys = this.redis ? await new RedisSpendingCounters(this.redis).clear() : 0;
    return { tables: [...result.tables], checkpoints: result.checkpoints, leases: result.leases, dlqEntries: result.dlqEntries, redisKeys, kept: [...result.kept] };
  }
}

/** No parked entry for the event (of that processor): a 404 naming the event, not a 500. */
async function parkedEntryOr404<T>(eventId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof DlqEntryNotFoundError) throw new NotFoundError('parked DLQ entry for event', eventId);
    throw error;
  }
}

interface RetryView {
  processor: string;
  version: number;
  eventId: string;
  outcome: 'projected' | 'failed';
  error: string | null;
}

function toRetryView(outcome: DlqRetryOutcome): RetryView {
  return {
    processor: outcome.entry.processor,
    version: outcome.entry.version,
    eventId: outcome.entry.eventId,
    outcome: outcome.outcome === 'retried' ? 'projected' : 'failed',
    error: outcome.error ?? null,
  };
}

function toDlqView(entry: DlqEntry): DlqEntryView {
  return {
    ...entry,
    id: entry.id.toString(),
    globalPosition: entry.globalPosition.toString(),
    transactionId: undefined as never,
    firstFailedAt: entry.firstFailedAt.toISOString(),
    lastFailedAt: entry.lastFailedAt.toISOString(),
  } as DlqEntryView;
}
