import { DAY_MS, MINUTE_MS, QUARTER_HOUR_MS, SPEND_RETENTION_MS } from './spend-window.js';

/** Quarter-hours in a UTC day: the length of DayBucket.quarters. */
export const QUARTERS_PER_DAY = DAY_MS / QUARTER_HOUR_MS;

/**
 * Spend in one UTC day: its sum, and its quarter-hour sums by the quarter's place in the day
 * (0 = 00:00-00:15 UTC), 0n where nothing was charged. An array, not a Map keyed by the quarter's
 * epoch ms: a month-busy budget keeps 34 of them, and a charge copies today's with one slice
 * instead of rebuilding a Map of up to 96 entries. (A BigInt64Array would be smaller still, but
 * allocating one of 768 bytes costs ~2 µs against ~0.06 µs for this slice, on every charge.)
 */
export interface DayBucket {
  nanos: bigint;
  quarters: readonly bigint[];
}

/**
 * How far back minute sums are kept: a rolling hour starts inside a quarter-hour up to 75 minutes
 * back, so that quarter's minutes are all kept (with a minute's slack). Everything older is
 * answered by quarter-hours.
 */
export const MINUTE_DETAIL_MS = 76 * MINUTE_MS;

/**
 * The charged spend of one subtree (an agent and its descendants) in one currency. Its size is
 * bounded by time covered, never by the number of requests: at most 34 days of ≤ 96 quarter-hour
 * sums, and ≤ 77 minute sums for the last hour and a quarter. That resolution answers every window exactly:
 * calendar boundaries fall on quarter-hours in every zone in use today (offsets are whole
 * quarter-hours), a rolling hour needs minutes, and longer rolling windows start on a
 * quarter-hour (spend-window.ts). A boundary that fell inside a quarter-hour older than the minute
 * detail would count the whole quarter: more spend, never less (fail closed).
 */
export interface SpendHistory {
  totalNanos: bigint;
  /** Keyed by the UTC day's epoch ms. */
  days: ReadonlyMap<number, DayBucket>;
  /** Keyed by the minute's epoch ms; the last MINUTE_DETAIL_MS before the stream's clock only. */
  minutes: ReadonlyMap<number, bigint>;
  /** Minute sums are complete from this minute on (older ones were pruned, or never kept). */
  minutesFromMs: number;
}

export const emptySpendHistory: SpendHistory = Object.freeze({ totalNanos: 0n, days: new Map(), minutes: new Map(), minutesFromMs: 0 });

/**
 * Adds a charge attributed to `atMs`, and drops days past the retention and minutes past the
 * minute detail before `clockMs` (the latest time the stream has seen). Returns a new history;
 * `history` is untouched. Copies at most one day's quarters and the two small indexes.
 */
export function addSpend(history: SpendHistory, atMs: number, nanos: bigint, clockMs: number): SpendHistory {
  const dayHorizon = clockMs - SPEND_RETENTION_MS;
  const days = new Map<number, DayBucket>();
  for (const [day, bucket] of history.days) if (day + DAY_MS > dayHorizon) days.set(day, bucket);
  const minutesFromMs = Math.max(history.minutesFromMs, floorTo(clockMs - MINUTE_DETAIL_MS, MINUTE_MS));
  const minutes = new Map<number, bigint>();
  for (const [minute, sum] of history.minutes) if (minute >= minutesFromMs) minutes.set(minute, sum);

  if (nanos !== 0n) {
    const day = floorTo(atMs, DAY_MS);
    if (day + DAY_MS > dayHorizon) {
      const bucket = days.get(day);
      const quarters = bucket === undefined ? new Array<bigint>(QUARTERS_PER_DAY).fill(0n) : bucket.quarters.slice();
      const slot = Math.floor((atMs - day) / QUARTER_HOUR_MS);
      quarters[slot] += nanos;
      days.set(day, { nanos: (bucket?.nanos ?? 0n) + nanos, quarters });
    }
    const minute = floorTo(atMs, MINUTE_MS);
    if (minute >= minutesFromMs) minutes.set(minute, (minutes.get(minute) ?? 0n) + nanos);
  }
  return { totalNanos: history.totalNanos + nanos, days, minutes, minutesFromMs };
}

/**
 * Spend charged in [startMs, endMs) (null: unbounded; both null: the all-time total). A bucket
 * counts when its start is in the range, so an end inside a bucket counts all of it; a start
 * inside a quarter-hour is answered by minutes where they are kept, else by the whole quarter.
 */
export function spentBetween(history: SpendHistory, startMs: number | null, endMs: number | null): bigint {
  if (startMs === null && endMs === null) return history.totalNanos;
  const from = startMs ?? Number.NEGATIVE_INFINITY;
  const to = endMs ?? Number.POSITIVE_INFINITY;
  const splitQuarter = Number.isFinite(from) && from % QUARTER_HOUR_MS !== 0 ? floorTo(from, QUARTER_HOUR_MS) : null;
  const minutesAnswer = splitQuarter !== null && splitQuarter >= history.minutesFromMs;
  let sum = 0n;
  for (const [day, bucket] of history.days) {
    if (day >= from && day + DAY_MS <= to) {
      sum += bucket.nanos;
    } else if (day + DAY_MS > from && day < to) {
      for (let slot = 0; slot < QUARTERS_PER_DAY; slot += 1) {
        const nanos = bucket.quarters[slot];
        if (nanos === 0n) continue;
        const quarter = day + slot * QUARTER_HOUR_MS;
        if (quarter === splitQuarter && minutesAnswer) continue;
        if ((quarter >= from || quarter === splitQuarter) && quarter < to) sum += nanos;
      }
    }
  }
  if (minutesAnswer) {
    const quarterEnd = (splitQuarter as number) + QUARTER_HOUR_MS;
    for (const [minute, nanos] of history.minutes) if (minute >= from && minute < quarterEnd && minute < to) sum += nanos;
  }
  return sum;
}

function floorTo(ms: number, unit: number): number {
  return ms - (((ms % unit) + unit) % unit);
}
