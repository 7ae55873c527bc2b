import type { SqlClient, SqlExecutor } from '@caracal/event-store';
import { InvalidTableNameError } from './processing.errors.js';
import type { Processor } from './processor.js';

export interface ResetResult {
  /** Read-model tables truncated, as given by the processors (deduplicated). */
  tables: string[];
  /** Checkpoints removed, with the progress rows ResetOptions.forgetProgress removed (the Kafka groups' partition positions). */
  checkpoints: number;
  leases: number;
  dlqEntries: number;
  /** Processors left untouched (keptOnReset: the merkle sealer), by name: they go on from where they were. */
  kept: string[];
}

export interface ResetOptions {
  /**
   * Progress kept outside processor_checkpoints (the Kafka consumer groups' partition positions,
   * libs/messaging), removed in the reset's transaction so those processors rebuild too; returns
   * the rows removed.
   */
  forgetProgress?: (tx: SqlExecutor, processors: readonly Processor[]) => Promise<number>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `db reset`: empties the processors' read models and removes their checkpoints, leases and DLQ
 * entries in one transaction, so the processors rebuild everything from the log. Never touches
 * `events` (the database refuses that anyway: events are append-only), nor a processor marked
 * keptOnReset (the sealer: its signed heads were handed to auditors and must keep their numbers).
 * Stop the runners first: a running one loses its lease and checkpoint, stands by, and restarts
 * from the beginning.
 */
export async function resetProcessors(client: SqlClient, processors: readonly Processor[], options: ResetOptions = {}): Promise<ResetResult> {
  const reset = processors.filter((processor) => !processor.keptOnReset);
  const kept = [...new Set(processors.filter((processor) => processor.keptOnReset).map((processor) => processor.name))];
  const tables = [...new Set(reset.flatMap((processor) => processor.readModelTables))];
  const quoted = tables.map(quoteTableName);
  return client.transaction(async (tx) => {
    if (quoted.length > 0) await tx.query(`TRUNCATE TABLE ${quoted.join(', ')}`);
    const result: ResetResult = { tables, checkpoints: 0, leases: 0, dlqEntries: 0, kept };
    for (const processor of reset) {
      const key = [processor.name, processor.version];
      result.checkpoints += (await tx.query('DELETE FROM processor_checkpoints WHERE processor = $1 AND version = $2', key)).rowCount;
      result.leases += (await tx.query('DELETE FROM processor_leases WHERE processor = $1 AND version = $2', key)).rowCount;
      result.dlqEntries += (await tx.query('DELETE FROM dlq WHERE processor = $1 AND version = $2', key)).rowCount;
    }
    if (options.forgetProgress) result.checkpoints += await options.forgetProgress(tx, reset);
    return result;
  });
}

/** Table names come from code, but TRUNCATE takes no parameters: accept plain identifiers only. */
export function quoteTableName(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((part) => !IDENTIFIER.test(part)) || table.toLowerCase() === 'events') {
    throw new InvalidTableNameError(table);
  }
  return parts.map((part) => `"${part}"`).join('.');
}
