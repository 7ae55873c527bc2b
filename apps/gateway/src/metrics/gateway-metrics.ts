import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { NANOS_PER_UNIT } from '@caracal/money';

/**
 * The gateway's Prometheus metrics, in a registry of their own (one per app, so tests can run
 * several). No agent id is ever a label: label values are bounded sets (route, status, outcome).
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'caracal_gateway_requests_total',
    help: 'Proxy requests answered, by route kind and HTTP status.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'caracal_gateway_request_duration_seconds',
    help: 'Time from request to the end of the response, by route kind.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: 'caracal_gateway_decisions_total',
    help: 'Admission decisions by outcome (forwarded, budget_exceeded, resource_not_allowed, ...).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Set by the app once the store is open; read at scrape time. */
  private countOpenReservations: (() => Promise<number>) | null = null;

  readonly reservationsOpen = new Gauge({
    name: 'caracal_reservations_open',
    help: 'Holds not yet settled, released or expired (all processes: read from budget_open_holds at scrape).',
    registers: [this.registry],
    collect: async () => {
      if (this.countOpenReservations === null) return;
      try {
        this.reservationsOpen.set(await this.countOpenReservations());
      } catch {
        // The database is down: /health says so; the gauge keeps its last value.
      }
    },
  });

  private processingSource: (() => Promise<{ dlqSize: number; lags: { group: string; partition: string; eventsBehind: number }[] }>) | null = null;

  readonly dlqSize = new Gauge({
    name: 'caracal_dlq_size',
    help: 'Events parked in the dead-letter queue (all processors), read from the database at scrape.',
    registers: [this.registry],
    collect: async () => {
      const processing = await this.readProcessing();
      if (processing) this.dlqSize.set(processing.dlqSize);
    },
  });

  readonly consumerLag = new Gauge({
    name: 'caracal_kafka_consumer_lag',
    help: 'Events behind: per partition of the topic (committed offset to high watermark) for a Kafka consumer group, partition="log" for a store-based processor.',
    labelNames: ['consumer_group', 'partition'] as const,
    registers: [this.registry],
    collect: async () => {
      const processing = await this.readProcessing();
      for (const lag of processing?.lags ?? []) this.consumerLag.set({ consumer_group: lag.group, partition: lag.partition }, lag.eventsBehind);
    },
  });

  readonly appendDuration = new Histogram({
    name: 'caracal_event_store_append_duration_seconds',
    help: 'Event store append latency (one group commit of budget decisions).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly budgetForwards = new Counter({
    name: 'caracal_gateway_budget_commands_forwarded_total',
    help: 'Budget commands sent to the gateway process that owns their stream: decided there, failed there, or not answered (then committed here, or refused).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly settlements = new Counter({
    name: 'caracal_gateway_settlements_total',
    help: 'How holds were resolved: settled from usage, settled at the hold, released, expired.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly settlementOverages = new Counter({
    name: 'caracal_gateway_settlement_overages_total',
    help: 'Settlements charged above their hold: the upstream reported more usage than the request allowed (max_tokens). Charged in full.',
    labelNames: ['currency'] as const,
    registers: [this.registry],
  });

  readonly settlementOverageAmount = new Counter({
    name: 'caracal_gateway_settlement_overage_amount_total',
    help: 'Sum charged above the holds, in currency units (the exact nano amounts are on the ledger entries).',
    labelNames: ['currency'] as const,
    registers: [this.registry],
  });

  readonly merkleVerificationFailures = new Counter({
    name: 'caracal_merkle_verification_failures_total',
    help: 'Merkle verification findings (verify-batch / verify-range through the admin API), by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'caracal_' });
  }

  /** A committed settlement went past its hold by overageNanos (> 0). */
  countOverage(currency: string, overageNanos: bigint): void {
    this.settlementOverages.inc({ currency });
    // A float is fine for a dashboard: whole units and nanos apart keep it exact up to 2^53 units.
    this.settlementOverageAmount.inc({ currency }, Number(overageNanos / NANOS_PER_UNIT) + Number(overageNanos % NANOS_PER_UNIT) / 1e9);
  }

  countOpenReservationsWith(count: () => Promise<number>): void {
    this.countOpenReservations = count;
  }

  observeProcessingWith(source: () => Promise<{ dlqSize: number; lags: { group: string; partition: string; eventsBehind: number }[] }>): void {
    this.processingSource = source;
  }

  private async readProcessing(): Promise<{ dlqSize: number; lags: { group: string; partition: string; eventsBehind: number }[] } | null> {
    if (this.processingSource === null) return null;
    try {
      return await this.processingSource();
    } catch {
      return null; // database down: /health reports it; gauges keep their last values
    }
  }
}
