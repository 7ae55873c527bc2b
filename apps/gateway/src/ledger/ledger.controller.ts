import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@caracal/domain';
import type { SqlClient } from '@caracal/event-store';
import { formatAmount } from '@caracal/money';
import { LedgerQueryError, listLedgerEntries } from '@caracal/projections';
import type { LedgerPage, LedgerUsage } from '@caracal/api-contract';
import { instantOf } from '../http/is-time.decorator.js';
import { SQL_CLIENT } from '../injection-tokens.js';
import { LedgerEntriesQuery } from './dto/ledger-entries.query.js';
import { LedgerUsageQuery } from './dto/ledger-usage.query.js';
import { PolicyUsageReader } from './policy-usage.reader.js';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('v1/ledger')
export class LedgerController {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    private readonly usage: PolicyUsageReader,
  ) {}

  @Get('entries')
  async entries(@Query() query: LedgerEntriesQuery): Promise<LedgerPage> {
    const now = new Date();
    const from = toTime(query.startTime, now);
    const to = toTime(query.endTime, now);
    if (from && to && from > to) throw new ValidationError([{ field: 'startTime', message: 'startTime must not be after endTime' }]);
    let page;
    try {
      page = await listLedgerEntries(this.sql, { agentId: query.agentId.toLowerCase(), from, to, limit: query.limit, cursor: query.cursor ?? null });
    } catch (error) {
      if (error instanceof LedgerQueryError) throw new ValidationError([{ field: 'cursor', message: error.message }]);
      throw error;
    }
    return {
      items: page.entries.map(({ amountNanos, heldNanos, overageNanos, globalPosition, ...entry }) => ({
        ...entry,
        amount: formatAmount(amountNanos),
        held: formatAmount(heldNanos),
        overage: formatAmount(overageNanos),
        globalPosition: globalPosition.toString(),
      })),
      nextCursor: page.nextCursor,
      totals: page.totalsByCurrency.map((total) => ({ currency: total.currency, amount: formatAmount(total.amountNanos), entries: total.entries })),
    };
  }

  @Get('usage')
  async usageInWindow(@Query() query: LedgerUsageQuery): Promise<LedgerUsage> {
    const at = new Date();
    const agentId = query.agentId.toLowerCase();
    return { agentId, at: at.toISOString(), items: await this.usage.forAgent(agentId, query.timeWindow, at) };
  }
}

function toTime(text: string | undefined, now: Date): Date | null {
  if (text === undefined) return null;
  return text === 'now' ? now : instantOf(text);
}
