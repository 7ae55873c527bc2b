import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CheckStatus, ConsumerLag as ConsumerLagView, HealthCheck as Check, HealthReport } from '@caracal/api-contract';
import { pendingMigrations, type EventStore, type SqlClient } from '@caracal/event-store';
import { dlqTopicOf, kafkaConsumerLag, KafkaUnavailableError, type KafkaConsumerLag } from '@caracal/messaging';
import { consumerLag, DlqStore, type ConsumerLag, type ProcessorRegistry } from '@caracal/processing';
import type { KafkaBusRuntime } from '@caracal/runtime';
import { EVENT_STORE, KAFKA_BUS, PROCESSOR_REGISTRY, REDIS, SQL_CLIENT } from '../injection-tokens.js';

/** How long a health check waits for the broker before calling it unreachable. */
const KAFKA_HEALTH_DEADLINE_MS = 3_000;

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
    @Inject(KAFKA_BUS) private readonly kafkaBus: KafkaBusRuntime | null,
  ) {
    this.dlq = new DlqStore(sql, store, registry);
  }

  /** Consumer groups: the highest version of each registered processor. */
  groups(): string[] {
    return [...new Set(this.registry.all().map((processor) => processor.name))].sort();
  }

  /** oldestUnconsumed: on the Kafka bus, also read the oldest unconsumed message's time (a throwaway group joins: for the CLI, not for scrapes). */
  async lag(group: string, options: { oldestUnconsumed?: boolean } = {}): Promise<ConsumerLagView> {
    const processor = this.registry.get(group);
    const bus = this.kafkaBus;
    if (bus?.consumerGroups.includes(group)) {
      try {
        return toKafkaView(processor.version, await kafkaConsumerLag(bus.kafka, this.sql, bus.topic, group, { sessionTimeoutMs: bus.config.sessionTimeoutMs, oldestUnconsumed: options.oldestUnconsumed ?? false }));
      } catch (error) {
        throw error instanceof KafkaUnavailableError || isDatabaseError(error) ? error : new KafkaUnavailableError(error);
      }
    }
    return toView(await consumerLag(this.sql, this.store, { name: processor.name, version: processor.version }));
  }

  /** The gauge's series: one per partition for a Kafka consumer group, partition "log" for a store-based one. */
  async lagByPartition(group: string): Promise<{ group: string; partition: string; eventsBehind: number }[]> {
    const lag = await this.lag(group).catch(() => null);
    if (lag === null) return [];
    if (lag.kafka) return lag.kafka.partitions.map((p) => ({ group, partition: String(p.partition), eventsBehind: Number(p.lag) }));
    return [{ group, partition: 'log', eventsBehind: lag.eventsBehind }];
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
      if (this.kafkaBus) checks.kafka = await this.kafkaCheck(this.kafkaBus);
      const processors: Record<string, Check> = {};
      for (const group of this.groups()) {
        if (this.kafkaBus?.consumerGroups.includes(group) && checks.kafka?.status !== 'ok') {
          // The broker is not answering: the group's lag cannot be read (it pauses; the gateway admits on).
          processors[group] = { status: 'degraded', consumerGroup: group, bus: 'kafka', error: 'Kafka is unavailable (see the kafka check)' };
          continue;
        }
        let lag: ConsumerLagView;
        try {
          lag = await this.lag(group);
        } catch (error) {
          if (!(error instanceof KafkaUnavailableError)) throw error;
          processors[group] = { status: 'degraded', consumerGroup: group, bus: 'kafka', error: error.message };
          continue;
        }
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

  /**
   * The broker: reachable, the event and DLQ topics present (with their partitions), each Kafka
   * group's state where the broker answers DescribeGroups. Unreachable degrades, never stops
   * enforcement: the log is the source of truth, the processors pause and catch up after.
   */
  private async kafkaCheck(bus: KafkaBusRuntime): Promise<Check> {
    const admin = bus.kafka.admin();
    const probe = async (): Promise<Check> => {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: [] });
      const byName = new Map(topics.map((topic) => [topic.name, topic.partitions.length]));
      const groups: Record<string, string> = {};
      try {
        const described = await admin.describeGroups([...bus.consumerGroups]);
        for (const group of described.groups) groups[group.groupId] = group.state;
      } catch (error) {
        for (const group of bus.consumerGroups) groups[group] = `unknown (DescribeGroups: ${(error as Error).message})`;
      }
      const present = byName.has(bus.topic);
      return {
        status: present ? 'ok' : 'degraded',
        brokers: bus.config.brokers,
        topic: bus.topic,
        topicPresent: present,
        partitions: byName.get(bus.topic) ?? 0,
        dlqTopicPresent: byName.has(dlqTopicOf(bus.topic)),
        groups,
      };
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        probe(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${KAFKA_HEALTH_DEADLINE_MS} ms`)), KAFKA_HEALTH_DEADLINE_MS);
        }),
      ]);
    } catch (error) {
      return { status: 'degraded', brokers: bus.config.brokers, topic: bus.topic, error: `Kafka is unreachable: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
      await admin.disconnect().catch(() => undefined);
    }
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

function toKafkaView(version: number, lag: KafkaConsumerLag): ConsumerLagView {
  return {
    consumerGroup: lag.consumerGroup,
    version,
    bus: 'kafka',
    eventsBehind: Number(lag.eventsBehind),
    oldestUnprocessedAt: lag.oldestUnconsumedAt?.toISOString() ?? null,
    oldestUnprocessedAgeSeconds: lag.oldestUnconsumedAgeMs === null ? null : lag.oldestUnconsumedAgeMs / 1000,
    lastCheckpointAt: null,
    // Messages the group has committed past, over all partitions.
    eventsProcessed: lag.partitions.reduce((sum, p) => sum + Number(p.committedOffset ?? 0), 0),
    owner: lag.members.map((member) => member.clientId).join(', ') || null,
    leaseExpiresAt: null,
    leaseActive: lag.members.length > 0,
    kafka: {
      topic: lag.topic,
      partitions: lag.partitions,
      groupState: lag.groupState,
      members: lag.members,
      membersSource: lag.membersSource,
      membersNote: lag.membersNote,
    },
  };
}

/** A PostgreSQL error (the members table) is the database's, reported as such. */
function isDatabaseError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}
