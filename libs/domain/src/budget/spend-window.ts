import type { PolicyTerms } from './policy-terms.js';

/**
 * The window a policy counts spend in, at a given instant. Computed from timestamps only: there
 * is no reset job. `startMs`/`endMs` are epoch milliseconds; a `total` window has neither.
 * Calendar windows are [start, end) aligned to the policy's IANA zone; rolling windows end at
 * `now` and start one window length earlier, floored to the minute for an hour and to the
 * quarter-hour for longer windows: the resolution spend is kept at (spend-history.ts). A charge
 * leaves a rolling window at the end of its minute or quarter-hour, at most that much late,
 * which fails closed.
 */
export interface SpendWindow {
  readonly startMs: number | null;
  readonly endMs: number | null;
}

export const MINUTE_MS = 60_000;
export const QUARTER_HOUR_MS = 15 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Rolling window lengths. A rolling "month" is 30 days. */
export const ROLLING_LENGTH_MS = { hourly: HOUR_MS, daily: DAY_MS, weekly: 7 * DAY_MS, monthly: 30 * DAY_MS } as const;

/**
 * How far back spend history is kept: the longest window that needs history (a calendar month,
 * at most 31 days, plus a DST hour and a zone offset; a rolling 30 days) with a margin.
 */
export const SPEND_RETENTION_MS = 33 * DAY_MS;

type WindowTerms = Pick<PolicyTerms, 'timeWindow' | 'windowType' | 'timezone'>;

export function spendWindow(terms: WindowTerms, nowMs: number): SpendWindow {
  if (terms.timeWindow === 'total') return { startMs: null, endMs: null };
  if (terms.windowType === 'rolling') {
    const resolution = terms.timeWindow === 'hourly' ? MINUTE_MS : QUARTER_HOUR_MS;
    const startMs = Math.floor((nowMs - ROLLING_LENGTH_MS[terms.timeWindow]) / resolution) * resolution;
    return { startMs, endMs: nowMs };
  }
  // Calendar windows partition time, so the last window computed for a zone and length answers
  // every instant inside it (a memo of a pure function: Intl lookups are the expensive part).
  const cacheKey = `${terms.timezone}|${terms.timeWindow}`;
  const cached = calendarCache.get(cacheKey);
  if (cached !== undefined && cached.startMs! <= nowMs && nowMs < cached.endMs!) return cached;
  const window = Object.freeze(calendarWindow(terms.timeWindow, terms.timezone, nowMs));
  calendarCache.set(cacheKey, window);
  return window;
}

const calendarCache = new Map<string, SpendWindow>();

function calendarWindow(timeWindow: Exclude<PolicyTerms['timeWindow'], 'total'>, zone: string, nowMs: number): SpendWindow {
  if (timeWindow === 'hourly') {
    // The local hour containing now: zones with :30/:45 offsets start their hours off the UTC hour.
    const offset = offsetMs(zone, nowMs);
    const startMs = nowMs - mod(nowMs + offset, HOUR_MS);
    return { startMs, endMs: startMs + HOUR_MS };
  }
  const today = localDate(zone, nowMs);
  if (timeWindow === 'daily') {
    return { startMs: startOfLocalDate(zone, today), endMs: startOfLocalDate(zone, addDays(today, 1)) };
  }
  if (timeWindow === 'weekly') {
    // ISO weeks start on Monday.
    const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay();
    const monday = addDays(today, -((weekday + 6) % 7));
    return { startMs: startOfLocalDate(zone, monday), endMs: startOfLocalDate(zone, addDays(monday, 7)) };
  }
  const first = { year: today.year, month: today.month, day: 1 };
  const next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  return { startMs: startOfLocalDate(zone, first), endMs: startOfLocalDate(zone, next) };
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

// Formatters are expensive to build; the cache only memoises a pure function of the zone name.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** Local wall-clock fields of an instant in a zone. */
function localParts(zone: string, ms: number): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(zone).formatToParts(ms)) {
    if (part.type in parts) parts[part.type as keyof typeof parts] = Number(part.value);
  }
  return parts;
}

/** The zone's offset from UTC at an instant (local − UTC), in ms. */
export function offsetMs(zone: string, ms: number): number {
  if (zone === 'UTC') return 0;
  const p = localParts(zone, ms);
  const whole = ms - mod(ms, 1000);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

function localDate(zone: string, ms: number): LocalDate {
  if (zone === 'UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }
  const p = localParts(zone, ms);
  return { year: p.year, month: p.month, day: p.day };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The first instant of a local date in a zone. Usually local midnight; where midnight falls in a
 * DST gap (the clock jumps 00:00 → 01:00) it is the transition instant. Candidates come from the
 * offsets around midnight; the earliest whose local date is the target wins.
 */
function startOfLocalDate(zone: string, date: LocalDate): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  const c1 = wall - offsetMs(zone, wall);
  const c2 = wall - offsetMs(zone, c1);
  const c3 = wall - offsetMs(zone, c2);
  const valid = [c1, c2, c3].filter((candidate) => {
    const local = localDate(zone, candidate);
    return local.year === date.year && local.month === date.month && local.day === date.day;
  });
  return valid.length > 0 ? Math.min(...valid) : c2;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
