import { Readable } from 'node:stream';
import { Controller, Get, Inject, Logger, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '@caracal/domain';
import type { SqlClient } from '@caracal/event-store';
import { canonicalNow, canonicalTimestamp } from '@caracal/merkle';
import { readExportBundle, type ExportRecord } from '@caracal/sealing';
import { SQL_CLIENT } from '../injection-tokens.js';
import { NDJSON } from './merkle.controller.js';

/**
 * An auditor's export (docs/sealing.md "Export bundle"): the public keys, signed heads, events and
 * consistency proof of every batch overlapping an event-time range, streamed as NDJSON records
 * read from the database in pages, so an export of millions of events is never held in memory.
 * `caracal merkle export` writes them into a bundle directory. Read-only.
 */
@ApiTags('merkle')
@ApiBearerAuth()
@Controller('v1/merkle')
export class MerkleExportController {
  private readonly logger = new Logger('MerkleExport');

  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /**
   * 200 with `{"kind":"publicKey"|"head"|"event"|"unsealed"|"proofs"|"end",...}` records; the `end`
   * record comes last, so a stream without it is incomplete. `{"kind":"error",...}` replaces it
   * when reading broke after the 200 was sent.
   */
  @Get('export')
  async export(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('startTime') startTime?: string,
    @Query('endTime') endTime?: string,
  ): Promise<void> {
    const start = timeBound('startTime', startTime, false);
    const end = timeBound('endTime', endTime, true);
    if (start > end) throw new ValidationError([{ field: 'endTime', message: 'must not be before startTime' }]);
    const lines = Readable.from(this.ndjson(readExportBundle(this.sql, { start, end }), String(request.id)));
    await reply.type(NDJSON).header('Cache-Control', 'no-store').send(lines);
  }

  private async *ndjson(records: AsyncGenerator<ExportRecord>, requestId: string): AsyncGenerator<string> {
    try {
      for await (const record of records) yield `${JSON.stringify(record)}\n`;
    } catch (error) {
      this.logger.error(`export (request ${requestId}) failed: ${(error as Error).stack ?? String(error)}`);
      yield `${JSON.stringify({ kind: 'error', error: 'internal_error', message: 'the export stopped on an unexpected error; see the gateway log', request_id: requestId })}\n`;
    }
  }
}

/** A canonical timestamp; 'now' (endTime only) is this instant, so the range is fixed before streaming. */
function timeBound(field: string, value: string | undefined, allowNow: boolean): string {
  const accepted = allowNow ? 'an RFC 3339 time with its offset (e.g. 2024-01-31T23:59:59Z) or "now"' : 'an RFC 3339 time with its offset (e.g. 2024-01-01T00:00:00Z)';
  if (value === undefined || value === '') throw new ValidationError([{ field, message: `is required: ${accepted}` }]);
  try {
    return allowNow && value === 'now' ? canonicalNow() : canonicalTimestamp(value);
  } catch {
    throw new ValidationError([{ field, message: `must be ${accepted}` }]);
  }
}
