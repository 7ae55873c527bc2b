import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CheckStatus, ConsumerLag as ConsumerLagView, HealthCheck as Check, HealthReport } from '@caracal/api-contract';
import { pendingMigrations, type EventStore, type SqlClient } from '@caracal/event-store';
import { consumerLag, DlqStore, type ConsumerLag, type ProcessorRegistry } from '@caracal/processing';
import { EVENT_STORE, PROCESSOR_REGISTRY, REDIS, SQL_CLIENT } from '../injection-tokens.js';

/** Behind by more than this, or the oldest unprocessed event older than this: degraded. */
const LAG_EVENTS_DEGRADED = 10_000;
const LAG_AGE_DEGRADED_MS = 60_000;

/**
 * What operators ask about the processors (runbook: consumer lag, DLQ, db health-check), from
 * the database alone, so any process answers whether or not it runs them.
 */
@Injectable()
export class ProcessingStatus {
  readonly dlq: DlqStore;

  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROCESSOR_REGISTRY) readonly registry: ProcessorRegistry,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {
    this.dlq = new DlqStore(sql, store, registry);
  }

  /** Consumer groups: the highest version of each registered processor. */
  groups(): string[] {
    return [...new Set(this.registry.all().map((processor) => processor.name))].sort();
  }

  async lag(group: string): Promise<ConsumerLagView> {
    const processor = this.registry.get(group);
    return toView(await consumerLag(this.sql, this.store, { name: processor.name, version: processor.version }));
  }

  async health(): Promise<HealthReport> {
    const checks: HealthReport['checks'] = {};
    try {
      await this.sql.query('SELECT 1');
      checks.database = { status: 'ok', backend: this.sql.backend };
    } catch (error) {
      checks.database = { status: 'unavailable', backend: this.sql.backend, error: (error as Error).message };
      return { status: 'unavailable', checks };
    }
    try {
      const pending = await pendingMigrations(this.sql);
      checks.migrations = pending.length === 0 ? { status: 'ok' } : { status: 'unavailable', pending };
      if (this.redis) checks.redis = await this.redisCheck(this.redis);
      const processors: Record<string, Check> = {};
      for (const group of this.groups()) {
        const lag = await this.lag(group);
        const behind = lag.eventsBehind > LAG_EVENTS_DEGRADED || (lag.oldestUnprocessedAgeSeconds ?? 0) * 1000 > LAG_AGE_DEGRADED_MS;
        processors[group] = { status: behind ? 'degraded' : 'ok', ...lag };
      }
      checks.processors = processors;
      const dlqSize = await this.dlq.size();
      checks.dlq = { status: dlqSize > 0 ? 'degraded' : 'ok', size: dlqSize };
    } catch (error) {
      // The database went away between checks: say so rather than fail the report.
      checks.database = { status: 'unavailable', backend: this.sql.backend, error: (error as Error).message };
    }
    return { status: overall(checks), checks };
  }

  private async redisCheck(redis: Redis): Promise<Check> {
    try {
      await redis.ping();
      return { status: 'ok' };
    } catch (error) {
      // Redis only holds display counters: its loss degrades, it never stops enforcement.
      return { status: 'degraded', error: (error as Error).message };
    }
  }
}

function overall(checks: HealthReport['checks']): CheckStatus {
  const statuses: CheckStatus[] = [];
  for (const check of Object.values(checks)) {
    if (typeof check.status === 'string') statuses.push(check.status as CheckStatus);
    else for (const nested of Object.values(check as Record<string, Check>)) statuses.push(nested.status);
  }
  if (statuses.includes('unavailable')) return 'unavailable';
  return statuses.includes('degraded') ? 'degraded' : 'ok';
}

function toView(lag: ConsumerLag): ConsumerLagView {
  return {
    consumerGroup: lag.processor,
    version: lag.version,
    bus: 'event-store',
    eventsBehind: Number(lag.eventsBehind),
    oldestUnprocessedAt: lag.oldestUnprocessedAt?.toISOString() ?? null,
    oldestUnprocessedAgeSeconds: lag.oldestUnprocessedAgeMs === null ? null : lag.oldestUnprocessedAgeMs / 1000,
    lastCheckpointAt: lag.lastCheckpointAt?.toISOString() ?? null,
    eventsProcessed: Number(lag.eventsProcessed),
    owner: lag.owner,
    leaseExpiresAt: lag.leaseExpiresAt?.toISOString() ?? null,
    leaseActive: lag.leaseActive,
  };
}
