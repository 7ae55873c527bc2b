import { PassThrough } from 'node:stream';
import { Controller, Get, Headers, Inject, Logger, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ItemList, MerkleBatchHead, MerkleBatchVerification, MerkleRangeRecord, MerkleRangeVerification } from '@caracal/api-contract';
import { ValidationError } from '@caracal/domain';
import type { SqlClient } from '@caracal/event-store';
import { canonicalTimestamp } from '@caracal/merkle';
import {
  loadHeads, verifyBatch, verifyRange, type RangeVerification, type StoredHead, type VerificationFailure,
} from '@caracal/sealing';
import { GATEWAY_METRICS, SQL_CLIENT } from '../injection-tokens.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

const BATCH_ID = /^[1-9][0-9]{0,18}$/;
/** The streaming answer of verify-range: one JSON record a line (docs/api.md "Merkle"). */
export const NDJSON = 'application/x-ndjson';

/** The client of a streaming verify-range went away: verification stops. */
class ClientGoneError extends Error {}

/**
 * Merkle integrity (docs/sealing.md "Verification"): verify a sealed batch or every batch of an
 * event-time range against the events table as it is now; list the signed heads. Read-only.
 * Failures are counted in caracal_merkle_verification_failures_total{reason}.
 */
@ApiTags('merkle')
@ApiBearerAuth()
@Controller('v1/merkle')
export class MerkleController {
  private readonly logger = new Logger('Merkle');

  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(GATEWAY_METRICS) private readonly metrics: GatewayMetrics,
  ) {}

  @Get('batches')
  async listBatches(@Query('fromBatchId') fromBatchId?: string, @Query('limit') limit?: string): Promise<ItemList<MerkleBatchHead>> {
    if (fromBatchId !== undefined && !BATCH_ID.test(fromBatchId)) throw invalid('fromBatchId', 'must be a positive integer');
    const max = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(max) || max < 1 || max > 1000) throw invalid('limit', 'must be an integer from 1 to 1000');
    const heads = await loadHeads(this.sql, { fromBatchId: fromBatchId === undefined ? undefined : BigInt(fromBatchId), limit: max });
    return { items: heads.map(toHeadView) };
  }

  @Get('batches/:batchId/verify')
  async verifyBatch(@Param('batchId') batchId: string): Promise<MerkleBatchVerification> {
    if (!BATCH_ID.test(batchId)) throw invalid('batchId', 'must be a positive integer');
    const result = await verifyBatch(this.sql, batchId);
    this.countFailures(result.failures);
    return jsonSafe(result);
  }

  /**
   * JSON: the report once verified. Streaming (`Accept: application/x-ndjson` or `?progress=true`):
   * `{"type":"progress","done","total"}` per verified batch, then `{"type":"report","report"}` as
   * the last record, or `{"type":"error",...}` if verification itself broke after the 200 was sent.
   */
  @Get('verify-range')
  async verifyRange(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('startTime') startTime?: string,
    @Query('endTime') endTime?: string,
    @Query('progress') progress?: string,
    @Headers('accept') accept?: string,
  ): Promise<void> {
    const start = timeBound('startTime', startTime);
    const end = timeBound('endTime', endTime);
    if (start !== 'now' && end !== 'now' && Date.parse(start) > Date.parse(end)) throw invalid('endTime', 'must not be before startTime');
    if (progress !== undefined && progress !== 'true' && progress !== 'false') throw invalid('progress', 'must be true or false');
    const streaming = progress === 'true' || (progress === undefined && (accept ?? '').includes(NDJSON));
    if (!streaming) {
      const result = await verifyRange(this.sql, { start, end });
      this.countRangeFailures(result);
      await reply.send(jsonSafe(result) satisfies MerkleRangeVerification);
      return;
    }

    const records = new PassThrough();
    const write = (record: MerkleRangeRecord): void => void records.write(`${JSON.stringify(record)}\n`);
    void reply.type(NDJSON).header('Cache-Control', 'no-store').send(records);
    try {
      const result = await verifyRange(this.sql, { start, end }, undefined, {
        onProgress: (done, total) => {
          if (reply.raw.destroyed) throw new ClientGoneError();
          write({ type: 'progress', done, total });
        },
      });
      this.countRangeFailures(result);
      write({ type: 'report', report: jsonSafe(result) });
    } catch (error) {
      if (!(error instanceof ClientGoneError)) {
        this.logger.error(`verify-range (request ${String(request.id)}) failed: ${(error as Error).stack ?? String(error)}`);
        write({ type: 'error', error: 'internal_error', message: 'verification stopped on an unexpected error; see the gateway log', request_id: String(request.id) });
      }
    } finally {
      records.end();
    }
  }

  /** Every finding by reason; uncovered events count in full even when the report lists only the first ones. */
  private countRangeFailures(result: RangeVerification): void {
    const listedOnly = (reason: string): boolean => reason === 'uncovered_event' || reason === 'event_refused';
    this.countFailures([...result.failures.filter((failure) => !listedOnly(failure.reason)), ...result.batches.flatMap((batch) => batch.failures)]);
    if (result.uncoveredEvents > 0) this.metrics.merkleVerificationFailures.inc({ reason: 'uncovered_event' }, result.uncoveredEvents);
    if (result.refusedEvents > 0) this.metrics.merkleVerificationFailures.inc({ reason: 'event_refused' }, result.refusedEvents);
  }

  private countFailures(failures: readonly VerificationFailure<string>[]): void {
    for (const failure of failures) this.metrics.merkleVerificationFailures.inc({ reason: failure.reason });
  }
}

function timeBound(field: string, value: string | undefined): string {
  if (value === undefined || value === '') throw invalid(field, 'is required (RFC 3339 time or "now")');
  if (value === 'now') return value;
  try {
    return canonicalTimestamp(value);
  } catch {
    throw invalid(field, 'must be an RFC 3339 time with its offset (e.g. 2024-01-31T23:59:59Z) or "now"');
  }
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError([{ field, message }]);
}

function toHeadView(stored: StoredHead): MerkleBatchHead {
  return jsonSafe({ ...stored.head, signature: stored.signature, headHash: stored.headHash });
}

/** What jsonSafe makes of a T, so a controller's return type checks the answer it sends. */
export type JsonSafe<T> = T extends bigint | Uint8Array | Date
  ? string
  : T extends readonly (infer Item)[]
    ? JsonSafe<Item>[]
    : T extends object
      ? { [K in keyof T]: JsonSafe<T[K]> }
      : T;

/** bigint → decimal string, Buffer/Uint8Array → hex, Date → ISO text; the rest as is. */
export function jsonSafe<T>(value: T): JsonSafe<T> {
  return toJsonSafe(value) as JsonSafe<T>;
}

function toJsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item: unknown) => toJsonSafe(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJsonSafe(item as unknown)]));
  }
  return value;
}
