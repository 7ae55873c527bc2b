import type { Redis } from 'ioredis';
import type { SqlExecutor } from '@caracal/event-store';
import { allSpendingBuckets } from './spending-buckets.read.js';
import { BUCKET_MS, bucketStartMs, type SpendingBucket } from './spending-bucket.js';

/** Longer than the domain's SPEND_RETENTION_MS (33 days): every window that reads buckets. */
export const DEFAULT_COUNTER_RETENTION_MS = 35 * 24 * 60 * 60_000;

export interface RedisSpendingCountersOptions {
  /** Prepended to every key; default `caracal:`. Tests use one of their own. */
  keyPrefix?: string;
  /** A counter expires this long after its bucket ends. */
  retentionMs?: number;
}

/**
 * Hot spending counters in Redis (production profile), for display only: the gateway never
 * enforces from them (the budget stream is the authority).
 *
 * Key scheme: `<prefix>spend:{<agentId>}:<currency>:<yyyymmddThhmmZ>` → the bucket's charged
 * amount in nano-units, as a decimal string, for the agent's subtree and the 15-minute UTC bucket
 * starting then. The braces are a Redis Cluster hash tag: an agent's counters share a slot, so
 * one MGET reads a whole window. Each key expires (PXAT, a fixed instant: re-writing it does not
 * extend it) `retentionMs` after its bucket ends.
 *
 * Writes are SETs of the PostgreSQL fold, never INCRBY: applying, re-applying or replaying a
 * batch leaves the same values.
 */
export class RedisSpendingCounters {
  readonly keyPrefix: string;
  private readonly retentionMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisSpendingCountersOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'caracal:';
    this.retentionMs = options.retentionMs ?? DEFAULT_COUNTER_RETENTION_MS;
  }

  key(agentId: string, currency: string, bucketStart: Date): string {
    const iso = bucketStart.toISOString(); // 2026-03-10T12:15:00.000Z
    const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
    return `${this.keyPrefix}spend:{${agentId}}:${currency}:${compact}`;
  }

  /** SETs each bucket's folded amount; a bucket already past its retention is deleted instead. */
  async write(buckets: readonly SpendingBucket[]): Promise<void> {
    if (buckets.length === 0) return;
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const bucket of buckets) {
      const key = this.key(bucket.agentId, bucket.currency, bucket.bucketStart);
      const expiresAt = bucket.bucketStart.getTime() + BUCKET_MS + this.retentionMs;
      if (expiresAt <= now) pipeline.del(key);
      else pipeline.set(key, bucket.amountNanos.toString(), 'PXAT', expiresAt);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  /** Rewrites every counter still within retention from the PostgreSQL fold (after a reset). */
  async reseed(sql: SqlExecutor): Promise<number> {
    const buckets = await allSpendingBuckets(sql, new Date(Date.now() - this.retentionMs - BUCKET_MS));
    await this.write(buckets);
    return buckets.length;
  }

  /** Spend of an agent's subtree in [start, end), both on 15-minute boundaries. */
  async spendingInWindow(agentId: string, currency: string, start: Date, end: Date): Promise<bigint> {
    const keys: string[] = [];
    for (let ms = bucketStartMs(start.getTime()); ms < end.getTime(); ms += BUCKET_MS) keys.push(this.key(agentId, currency, new Date(ms)));
    if (keys.length === 0) return 0n;
    const values = await this.redis.mget(...keys);
    return values.reduce((sum, value) => sum + (value === null ? 0n : BigInt(value)), 0n);
  }

  /** Every counter under this prefix, key → amount (operators' inspection and tests). */
  async readAll(): Promise<Map<string, bigint>> {
    const keys = await this.scanKeys();
    const counters = new Map<string, bigint>();
    if (keys.length === 0) return counters;
    const values = await this.redis.mget(...keys);
    keys.forEach((key, i) => {
      if (values[i] !== null) counters.set(key, BigInt(values[i] as string));
    });
    return counters;
  }

  /** Deletes every counter under this prefix (db reset; tests). */
  async clear(): Promise<number> {
    const keys = await this.scanKeys();
    for (let i = 0; i < keys.length; i += 500) await this.redis.del(...keys.slice(i, i + 500));
    return keys.length;
  }

  private async scanKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.keyPrefix)}spend:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return [...new Set(keys)];
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
