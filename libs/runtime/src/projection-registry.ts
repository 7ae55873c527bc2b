import { Redis } from 'ioredis';
import type { SqlExecutor } from '../../event-store/src/index.js';
import { ProcessorRegistry } from '../../processing/src/index.js';
import { createProjections, RedisSpendingCounters } from '../../projections/src/index.js';

export interface ProjectionRuntime {
  registry: ProcessorRegistry;
  redis: Redis | null;
}

/**
 * The processors every process knows (the projector runs them; the gateway resets, retries and
 * reports on them), with Redis hot counters when REDIS_URL is set.
 */
export function projectionRuntime(redisUrl: string | null, sql: SqlExecutor): ProjectionRuntime {
  const redis = redisUrl ? connectRedis(redisUrl) : null;
  const registry = new ProcessorRegistry(createProjections(
    redis ? { spending: { redis: { counters: new RedisSpendingCounters(redis), sql } } } : {},
  ));
  return { registry, redis };
}

/** Redis holds display counters only: an outage is reported by health checks, never fatal. */
function connectRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  return redis;
}
