import { createLedgerWriter, LEDGER_TABLES } from './ledger-writer.projection.js';
import type { Processor } from './processor.js';
import { createMetricsAggregator, SPENDING_TABLES, type MetricsAggregatorOptions } from './metrics-aggregator.projection.js';

/** Every read-model table of these projections (db reset, snapshots). */
export const PROJECTION_READ_MODEL_TABLES: readonly string[] = [...LEDGER_TABLES, ...SPENDING_TABLES];

export interface ProjectionOptions {
  /** Hot counters (production profile); omit in the embedded profile. */
  spending?: MetricsAggregatorOptions;
}

/** The processors of this library, in the order the runbook lists them. */
export function createProjections(options: ProjectionOptions = {}): Processor[] {
  return [createLedgerWriter(), createMetricsAggregator(options.spending)];
}
