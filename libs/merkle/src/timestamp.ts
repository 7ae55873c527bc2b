/** A time that cannot be written in the canonical form (unparseable, out of range, NaN Date). */
export class InvalidTimestampError extends Error {
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(`Invalid timestamp ${JSON.stringify(input)}: ${detail}`);
    this.name = 'InvalidTimestampError';
  }
}

// RFC 3339 date-time, plus PostgreSQL's timestamptz text ("2024-01-31 12:00:00.123456+00"):
// separator T or space, 0–6 fraction digits, offset Z, ±HH, ±HHMM or ±HH:MM.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * The one text form a time has in leaves and heads: UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ", always
 * six fraction digits (PostgreSQL timestamptz precision). A Date has milliseconds only, so it
 * gets "000" microseconds: hashing a Date and the database's µs text of the same row therefore
 * differ whenever the µs are not 000 — sealer and verifier must read recorded_at the same way.
 */
/**
 * This instant as the inclusive end of an event-time range ("now"). Date has millisecond
 * precision, recorded_at microseconds: the last microsecond of this millisecond keeps an event
 * recorded earlier in the same millisecond inside the range.
 */
export function canonicalNow(): string {
  return `${new Date().toISOString().slice(0, 23)}999Z`;
}

export function canonicalTimestamp(value: Date | string): string {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new InvalidTimestampError(String(value), 'invalid Date');
    const year = value.getUTCFullYear();
    if (year < 0 || year > 9999) throw new InvalidTimestampError(String(value), 'year outside 0000–9999');
    const iso = value.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
    return `${iso.slice(0, 23)}000Z`;
  }
  if (typeof value !== 'string') throw new InvalidTimestampError(String(value), 'expected a Date or an ISO 8601 string');
  const match = TIMESTAMP.exec(value);
  if (match === null) throw new InvalidTimestampError(value, 'expected ISO 8601 / RFC 3339 like 2024-01-31T12:00:00.123456Z');
  const [, y, mo, d, h, mi, s, fraction = '', offset] = match;
  const parts = [y, mo, d, h, mi, s].map(Number);
  const [year, month, day, hour, minute, second] = parts;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // Date normalises overflow (Feb 30 → Mar 2); a changed field means the input was not a real time.
  if (
    date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day ||
    date.getUTCHours() !== hour || date.getUTCMinutes() !== minute || date.getUTCSeconds() !== second
  ) {
    throw new InvalidTimestampError(value, 'no such date or time (leap seconds are not accepted)');
  }
  const utc = new Date(date.getTime() - offsetMinutes(offset, value) * 60_000);
  if (utc.getUTCFullYear() < 0 || utc.getUTCFullYear() > 9999) throw new InvalidTimestampError(value, 'year outside 0000–9999');
  return `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(6, '0')}Z`;
}

function offsetMinutes(offset: string, input: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) throw new InvalidTimestampError(input, 'offset out of range');
  return (offset[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}
