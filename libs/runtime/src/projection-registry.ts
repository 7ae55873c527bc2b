import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { SqlExecutor } from '@caracal/event-store';
import { ProcessorRegistry } from '@caracal/processing';
import { createProjections, RedisSpendingCounters } from '@caracal/projections';
import { createMerkleSealer, type EventKeys, type MerkleSealer, type MerkleSigner, type RefusedEvent } from '@caracal/sealing';

export interface ProjectionRuntime {
  registry: ProcessorRegistry;
  redis: Redis | null;
  /** merkle-sealer-group when a signer was given (registered in `registry`), else null. */
  sealer: MerkleSealer | null;
}

export interface MerkleRuntimeOptions {
  signer: MerkleSigner;
  batchLeaves?: number;
  maxBatchAgeMs?: number;
  /** Tags are checked with its keyring; null: not checked (docs/leaf-format.md). */
  eventKeys?: EventKeys | null;
  /** An event the sealer refused (its tag does not verify), after it is logged: count it, alert. */
  onRefused?: (refusal: RefusedEvent) => void;
}

/**
 * The processors every process knows (the projector runs them; the gateway resets, retries and
 * reports on them), with Redis hot counters when REDIS_URL is set, and merkle-sealer-group when a
 * signing key is given.
 */
export function projectionRuntime(redisUrl: string | null, sql: SqlExecutor, merkle: MerkleRuntimeOptions | null = null): ProjectionRuntime {
  const redis = redisUrl ? connectRedis(redisUrl) : null;
  const registry = new ProcessorRegistry(createProjections(
    redis ? { spending: { redis: { counters: new RedisSpendingCounters(redis), sql } } } : {},
  ));
  const sealer = merkle
    ? createMerkleSealer({
        signer: merkle.signer, batchLeaves: merkle.batchLeaves, maxBatchAgeMs: merkle.maxBatchAgeMs,
        eventKeys: merkle.eventKeys ? () => merkle.eventKeys!.keyring() : undefined,
        onRefused: (refusal) => {
          logRefused(refusal);
          merkle.onRefused?.(refusal);
        },
      })
    : null;
  if (sealer) registry.register(sealer);
  return { registry, redis, sealer };
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Redis holds display counters only: an outage is reported by health checks, never fatal.
 * ioredis is loaded only here, when REDIS_URL is set: loaded at start it was several MB of every
 * process's resident memory (docs/benchmarks.md, "Peak RSS").
 */
function connectRedis(url: string): Redis {
  const { Redis } = requireFromHere('ioredis') as typeof import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  return redis;
}

function logRefused(refusal: RefusedEvent): void {
  console.error(`merkle-sealer: refused event ${refusal.eventId} at global position ${refusal.globalPosition}: ${refusal.detail}`);
}
