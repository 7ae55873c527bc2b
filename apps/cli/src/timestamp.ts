import { CliError, EXIT_USAGE } from './cli-error.js';

// An ISO 8601 date-time with its UTC offset (RFC 3339), e.g. 2024-01-31T23:59:59Z or
// 2024-01-31T23:59:59.5+01:00. The offset is required: without it the gateway and the operator
// could read the same time in different zones.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/i;

/** True for a real instant written as an ISO 8601 date-time with `Z` or `±hh:mm`. */
export function isIsoDateTime(text: string): boolean {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second = '0', , offsetHours = '0', offsetMinutes = '0'] = match.slice(1);
  const numbers = [year, month, day, hour, minute, second, offsetHours, offsetMinutes].map(Number);
  const [y, mo, d, h, mi, s, oh, om] = numbers;
  // Date.UTC rolls 2024-02-30 over to March: a date that does not survive the round trip is not real.
  const date = new Date(Date.UTC(y, mo - 1, d));
  return (
    date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d &&
    h <= 23 && mi <= 59 && s <= 59 && oh <= 23 && om <= 59
  );
}

/**
 * The flag's value, unchanged, after checking it is an ISO 8601 date-time (or `now` when allowed):
 * garbage is a usage error (exit 2) rather than a 400 from the gateway.
 */
export function checkTimestamp(flag: string, value: string, options: { allowNow?: boolean } = {}): string {
  if (options.allowNow && value === 'now') return value;
  if (isIsoDateTime(value)) return value;
  const accepted = options.allowNow ? 'an ISO 8601 date-time such as 2024-01-31T23:59:59Z, or now' : 'an ISO 8601 date-time such as 2024-01-01T00:00:00Z';
  throw new CliError(`--${flag} expects ${accepted}; got "${value}".`, EXIT_USAGE, [
    'Give the UTC offset: Z or +hh:mm / -hh:mm.',
  ]);
}
