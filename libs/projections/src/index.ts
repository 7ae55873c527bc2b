export type { Processor } from './processor.js';
export { createLedgerWriter, LEDGER_WRITER, LEDGER_TABLES } from './ledger-writer.projection.js';
export {
  createMetricsAggregator,
  METRICS_AGGREGATOR,
  SPENDING_TABLES,
  type MetricsAggregatorOptions,
} from './metrics-aggregator.projection.js';
export { createProjections, PROJECTION_READ_MODEL_TABLES, type ProjectionOptions } from './projections.js';
export {
  DEFAULT_COUNTER_RETENTION_MS,
  RedisSpendingCounters,
  type RedisSpendingCountersOptions,
} from './redis-spending-counters.js';
export { allSpendingBuckets, bucketsOfCharges } from './spending-buckets.read.js';
export { BUCKET_MS, bucketStartMs, isBucketAligned, type SpendingBucket } from './spending-bucket.js';
export { ledgerEntryId } from './ledger-entry-id.js';
export { DuplicateChargeError, MalformedChargeError } from './reservation-events.js';
export {
  DEFAULT_PAGE_LIMIT,
  LedgerQueryError,
  listLedgerEntries,
  MAX_PAGE_LIMIT,
  spendingInWindow,
  type CurrencyTotal,
  type LedgerEntry,
  type LedgerPage,
  type LedgerQuery,
  type SpendingInWindow,
  type SpendingWindowQuery,
} from './ledger.queries.js';
