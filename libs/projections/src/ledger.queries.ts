import type { SqlExecutor } from '@caracal/event-store';
import { isBucketAligned } from './spending-bucket.js';

// Queries of the ledger and spending read models (HTTP query API and CLI `caracal ledger query`).

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export interface LedgerEntry {
  entryId: string;
  eventId: string;
  globalPosition: bigint;
  agentId: string;
  /** Root first, ending with agentId. */
  agentPath: string[];
  reservationId: string;
  resource: string;
  model: string | null;
  usage: Record<string, number | null> | null;
  /** What was charged: the upstream's reported usage, in full, even above the hold. */
  amountNanos: bigint;
  /** The hold taken before forwarding (an expired hold is charged at it). */
  heldNanos: bigint;
  /** amount − held when the charge went past the hold (more usage than max_tokens allowed), else 0. */
  overageNanos: bigint;
  currency: string;
  pricebookVersion: string | null;
  kind: 'settled' | 'expired';
  /** The reservation's occurredAt (the window the charge counts in), ISO 8601. */
  occurredAt: string;
  recordedAt: string;
}

export interface CurrencyTotal {
  currency: string;
  amountNanos: bigint;
  entries: number;
}

export interface LedgerQuery {
  agentId: string;
  /** Inclusive lower bound on occurredAt; none: from the beginning. */
  from?: Date | null;
  /** Inclusive upper bound on occurredAt (the runbook's `--end-time …T23:59:59Z`); none: up to now and beyond. */
  to?: Date | null;
  /** Page size, 1 … MAX_PAGE_LIMIT; default DEFAULT_PAGE_LIMIT. */
  limit?: number;
  /** The previous page's nextCursor. */
  cursor?: string | null;
  /** Include the entries of the agent's descendants (its subtree), as budgets count them. */
  subtree?: boolean;
}

export interface LedgerPage {
  entries: LedgerEntry[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Exact sums over the whole range (every page), per currency, ordered by currency. */
  totalsByCurrency: CurrencyTotal[];
}

/** A malformed query (bad cursor, limit or window): the API answers 400 with its message. */
export class LedgerQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerQueryError';
  }
}

interface EntryRow extends Record<string, unknown> {
  entry_id: string;
  event_id: string;
  global_position: string;
  agent_id: string;
  agent_path: string[];
  reservation_id: string;
  resource: string;
  model: string | null;
  usage: Record<string, number | null> | null;
  amount_nanos: string;
  held_nanos: string;
  overage_nanos: string;
  currency: string;
  pricebook_version: string | null;
  kind: 'settled' | 'expired';
  occurred_at: string;
  recorded_at: string;
}

// Timestamps leave PostgreSQL as ISO text with microseconds, so a cursor carries the exact value.
const ISO_SQL = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * An agent's ledger entries in a time range, oldest first, keyset-paginated on
 * (occurred_at, entry_id) so pages stay stable while entries are added; plus the exact total
 * per currency over the whole range.
 */
export async function listLedgerEntries(sql: SqlExecutor, query: LedgerQuery): Promise<LedgerPage> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new LedgerQueryError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  }
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  // $1 agent, $2 from, $3 to; the agent filter uses the GIN index for a subtree.
  const agentFilter = query.subtree ? `agent_path @> jsonb_build_array($1::text)` : `agent_id = $1`;
  const range = `${agentFilter}
      AND ($2::timestamptz IS NULL OR occurred_at >= $2::timestamptz)
      AND ($3::timestamptz IS NULL OR occurred_at <= $3::timestamptz)`;
  const params = [query.agentId, query.from?.toISOString() ?? null, query.to?.toISOString() ?? null];

  const { rows } = await sql.query<EntryRow>(
    `SELECT entry_id::text, event_id::text, global_position::text, agent_id, agent_path, reservation_id, resource, model,
            usage, amount_nanos::text, held_nanos::text, overage_nanos::text, currency, pricebook_version, kind,
            ${ISO_SQL('occurred_at')} AS occurred_at, ${ISO_SQL('recorded_at')} AS recorded_at
       FROM ledger_entries
      WHERE ${range}
        AND ($4::timestamptz IS NULL OR (occurred_at, entry_id) > ($4::timestamptz, $5::uuid))
      ORDER BY occurred_at, entry_id
      LIMIT $6`,
    [...params, after?.occurredAt ?? null, after?.entryId ?? null, limit + 1],
  );
  const { rows: totals } = await sql.query<{ currency: string; amount_nanos: string; entries: string }>(
    `SELECT currency, sum(amount_nanos)::text AS amount_nanos, count(*)::text AS entries
       FROM ledger_entries WHERE ${range}
      GROUP BY currency ORDER BY currency`,
    params,
  );

  const page = rows.slice(0, limit).map(entryFromRow);
  const last = rows.length > limit ? rows[limit - 1] : null;
  return {
    entries: page,
    nextCursor: last === null ? null : encodeCursor(last.occurred_at, last.entry_id),
    totalsByCurrency: totals.map((row) => ({ currency: row.currency, amountNanos: BigInt(row.amount_nanos), entries: Number(row.entries) })),
  };
}

export interface SpendingWindowQuery {
  agentId: string;
  currency: string;
  /** Inclusive; on a 15-minute UTC boundary. Null: from the beginning (a `total` window). */
  windowStart: Date | null;
  /** Exclusive; on a 15-minute UTC boundary. Null: no end. */
  windowEnd: Date | null;
}

export interface SpendingInWindow {
  amountNanos: bigint;
  charges: number;
}

/**
 * Charged spend of an agent's subtree in one currency in [windowStart, windowEnd), from the
 * 15-minute buckets. Calendar windows of any zone (and `total`) are exact unions of buckets;
 * a bound off a bucket boundary (e.g. a rolling window's minute) cannot be answered exactly and
 * is refused rather than rounded. Held (open) amounts are not here: they live in the budget
 * stream's state (policyUsage).
 */
export async function spendingInWindow(sql: SqlExecutor, query: SpendingWindowQuery): Promise<SpendingInWindow> {
  for (const [name, bound] of [['windowStart', query.windowStart], ['windowEnd', query.windowEnd]] as const) {
    if (bound !== null && !isBucketAligned(bound.getTime())) {
      throw new LedgerQueryError(`${name} ${bound.toISOString()} is not on a 15-minute UTC boundary`);
    }
  }
  const { rows } = await sql.query<{ amount_nanos: string; charges: string }>(
    `SELECT coalesce(sum(amount_nanos), 0)::text AS amount_nanos, coalesce(sum(charges), 0)::text AS charges
       FROM spending_buckets
      WHERE agent_id = $1 AND currency = $2
        AND ($3::timestamptz IS NULL OR bucket_start >= $3::timestamptz)
        AND ($4::timestamptz IS NULL OR bucket_start < $4::timestamptz)`,
    [query.agentId, query.currency, query.windowStart?.toISOString() ?? null, query.windowEnd?.toISOString() ?? null],
  );
  return { amountNanos: BigInt(rows[0].amount_nanos), charges: Number(rows[0].charges) };
}

function entryFromRow(row: EntryRow): LedgerEntry {
  return {
    entryId: row.entry_id,
    eventId: row.event_id,
    globalPosition: BigInt(row.global_position),
    agentId: row.agent_id,
    agentPath: row.agent_path,
    reservationId: row.reservation_id,
    resource: row.resource,
    model: row.model,
    usage: row.usage,
    amountNanos: BigInt(row.amount_nanos),
    heldNanos: BigInt(row.held_nanos),
    overageNanos: BigInt(row.overage_nanos),
    currency: row.currency,
    pricebookVersion: row.pricebook_version,
    kind: row.kind,
    occurredAt: msIso(row.occurred_at),
    recordedAt: msIso(row.recorded_at),
  };
}

/** Events carry millisecond timestamps: show them as JavaScript's toISOString does. */
function msIso(microIso: string): string {
  return `${microIso.slice(0, 23)}Z`;
}

// Cursor: base64url of JSON {o: occurred_at (microsecond ISO), e: entry id}. Opaque to clients.
function encodeCursor(occurredAt: string, entryId: string): string {
  return Buffer.from(JSON.stringify({ o: occurredAt, e: entryId })).toString('base64url');
}

/** The form encodeCursor writes, of a time that exists: Date.parse would roll 2025-02-30 over to March 2. */
function isMicrosecondIso(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(text)) return false;
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === text.slice(0, 19);
}

function decodeCursor(cursor: string): { occurredAt: string; entryId: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; e?: unknown };
    if (
      typeof parsed.o === 'string' &&
      isMicrosecondIso(parsed.o) &&
      typeof parsed.e === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(parsed.e)
    ) {
      return { occurredAt: parsed.o, entryId: parsed.e };
    }
  } catch {
    // fall through
  }
  throw new LedgerQueryError('cursor is not one this API returned');
}
