import type { SqlExecutor } from '@caracal/event-store';

/** A statement as a caller sent it: its SQL and parameters. */
export interface SentStatement {
  sql: string;
  params: readonly unknown[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/**
 * The tables PostgreSQL would read whole (Seq Scan) to run the statement with its parameters, from
 * EXPLAIN (FORMAT JSON): how a test shows that a per-batch read stays index-driven as a table grows.
 */
export async function tablesScannedWhole(executor: SqlExecutor, { sql, params }: SentStatement): Promise<string[]> {
  const { rows } = await executor.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return seqScanned(rows[0]['QUERY PLAN'][0].Plan);
}

function seqScanned(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' && node['Relation Name'] !== undefined ? [node['Relation Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScanned)];
}
