import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { DlqDiscarded, DlqEntry as DlqEntryView, DlqList, DlqRetryOutcome as RetryView, ItemList } from '@caracal/api-contract';
import { NotFoundError } from '@caracal/domain';
import { DlqEntryNotFoundError, type DlqEntry, type DlqRetryOutcome } from '@caracal/processing';
import { instantOf } from '../http/is-time.decorator.js';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { DlqListQuery } from './dto/dlq-list.query.js';
import { DlqRetryDto } from './dto/dlq-retry.dto.js';
import { ProcessingStatus } from './processing-status.js';

const eventIdParam = new UuidParam('eventId');

/** The runbook's DLQ: list, get, retry and discard parked events. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1')
export class DlqController {
  constructor(private readonly status: ProcessingStatus) {}

  @Get('dlq')
  async listDlq(@Query() query: DlqListQuery): Promise<DlqList> {
    const items = await this.status.dlq.list({
      processor: query.processor,
      since: query.since ? instantOf(query.since) : undefined,
      status: query.status ?? 'parked',
      limit: query.limit ?? 100,
    });
    return { items: items.map(toDlqView), size: await this.status.dlq.size() };
  }

  @Get('dlq/:eventId')
  async getDlq(@Param('eventId', eventIdParam) eventId: string): Promise<ItemList<DlqEntryView>> {
    const items = await this.status.dlq.get(eventId);
    if (items.length === 0) throw new NotFoundError('DLQ entry for event', eventId);
    return { items: items.map(toDlqView) };
  }

  @Post('dlq/retry')
  @HttpCode(200)
  async retryAll(@Body() body: DlqRetryDto): Promise<ItemList<RetryView>> {
    this.assertKnownProcessor(body.processor);
    return { items: (await this.status.dlq.retryAll(body.processor)).map(toRetryView) };
  }

  @Post('dlq/:eventId/retry')
  @HttpCode(200)
  async retry(@Param('eventId', eventIdParam) eventId: string, @Body() body: DlqRetryDto): Promise<ItemList<RetryView>> {
    this.assertKnownProcessor(body.processor);
    const outcomes = await parkedEntryOr404(eventId, () => this.status.dlq.retry(eventId, { processor: body.processor }));
    return { items: outcomes.map(toRetryView) };
  }

  @Post('dlq/:eventId/discard')
  @HttpCode(200)
  async discard(@Param('eventId', eventIdParam) eventId: string, @Body() body: DlqRetryDto): Promise<DlqDiscarded> {
    this.assertKnownProcessor(body.processor);
    return { discarded: await parkedEntryOr404(eventId, () => this.status.dlq.discard(eventId, { processor: body.processor })) };
  }

  /** A processor named for an action must exist: a typo is a 404, not an empty success. */
  private assertKnownProcessor(processor: string | undefined): void {
    if (processor !== undefined && !this.status.groups().includes(processor)) {
      throw new NotFoundError('processor', `${processor} (known: ${this.status.groups().join(', ')})`);
    }
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

function toRetryView(outcome: DlqRetryOutcome): RetryView {
  return {
    processor: outcome.entry.processor,
    version: outcome.entry.version,
    eventId: outcome.entry.eventId,
    outcome: outcome.outcome === 'retried' ? 'projected' : 'failed',
    error: outcome.error ?? null,
  };
}

/** Every field but the transaction id (internal to the event store's ordering). */
function toDlqView({ transactionId: _, ...entry }: DlqEntry): DlqEntryView {
  return {
    ...entry,
    id: entry.id.toString(),
    globalPosition: entry.globalPosition.toString(),
    firstFailedAt: entry.firstFailedAt.toISOString(),
    lastFailedAt: entry.lastFailedAt.toISOString(),
  };
}
