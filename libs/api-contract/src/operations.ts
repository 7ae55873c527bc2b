// Processing status and reset (docs/api.md "Operations").

export interface ConsumerLag {
  consumerGroup: string;
  version: number;
  eventsBehind: number;
  oldestUnprocessedAt: string | null;
  oldestUnprocessedAgeSeconds: number | null;
  lastCheckpointAt: string | null;
  eventsProcessed: number;
  owner: string | null;
  leaseExpiresAt: string | null;
  leaseActive: boolean;
  bus: string;
  /** Kafka consumer groups: committed offsets vs high watermarks per partition, and the members. */
  kafka?: {
    topic: string;
    partitions: { partition: number; committedOffset: string | null; highWatermark: string; lag: string }[];
    groupState: string | null;
    members: { memberId: string; clientId: string; host: string | null; partitions: number[] }[];
    membersSource: string;
    membersNote: string | null;
  };
}

export type CheckStatus = 'ok' | 'degraded' | 'unavailable';

/** A check's `status`; the other fields vary per check. */
export interface HealthCheck {
  status: CheckStatus;
  [detail: string]: unknown;
}

/** GET /health and /v1/ops/health (503 when unavailable); `checks.processors` holds one check per processor. */
export interface HealthReport {
  status: CheckStatus;
  checks: Record<string, HealthCheck | Record<string, HealthCheck>>;
}

export interface ResetResult {
  tables: string[];
  checkpoints: number;
  leases: number;
  dlqEntries: number;
  /** Spending counters cleared from Redis (0 without Redis). */
  redisKeys: number;
  /** Processors the reset leaves alone (the merkle sealer: batches, signed heads, keys). Absent from older gateways. */
  kept?: string[];
}
