import { InvalidAmountError } from './invalid-amount.error.js';

/** Amounts are bigint nano-units (10^-9) of their currency; a JS number would lose cents. */
export const NANOS_PER_UNIT = 1_000_000_000n;

/**
 * The largest amount a policy limit may have: 1,000,000,000.00 units = 10^18 nanos, which keeps
 * every limit (and sums of a few of them) inside a Postgres bigint (int64, ~9.2 × 10^18).
 */
export const MAX_AMOUNT = 1_000_000_000n * NANOS_PER_UNIT;

const FRACTION_DIGITS = 9;

// Longer inputs are rejected before BigInt sees them: nothing legitimate needs 40 digits, and
// the cap keeps parsing of hostile input cheap.
const MAX_LENGTH = 40;

const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/** Reads a decimal string ("100", "100.5", "0.000000001") into nano-units. */
export function parseAmount(text: string): bigint {
  if (text.length === 0) throw new InvalidAmountError(text, 'empty');
  if (text.length > MAX_LENGTH) throw new InvalidAmountError(text, 'too_long');
  const match = DECIMAL.exec(text);
  if (match === null) throw new InvalidAmountError(text, 'not_a_decimal');
  const [, whole, fraction = ''] = match;
  if (fraction.length > FRACTION_DIGITS) throw new InvalidAmountError(text, 'too_many_fraction_digits');
  return BigInt(whole) * NANOS_PER_UNIT + BigInt(fraction.padEnd(FRACTION_DIGITS, '0'));
}

/**
 * Writes nano-units as a decimal string with at least 2 fraction digits (money as people read it)
 * and no trailing zeros beyond them: 100000000000n → "100.00", 1n → "0.000000001".
 * Negative amounts (an overspent remainder) get a leading "-".
 */
export function formatAmount(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const magnitude = nanos < 0n ? -nanos : nanos;
  const whole = magnitude / NANOS_PER_UNIT;
  const fraction = (magnitude % NANOS_PER_UNIT).toString().padStart(FRACTION_DIGITS, '0');
  const trimmed = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${sign}${whole.toString()}.${trimmed}`;
}
