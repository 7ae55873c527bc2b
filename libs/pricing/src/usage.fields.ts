import { InvalidUsageError } from './pricing.errors.js';

/** Reads a token count: a non-negative safe integer; absent or null is 0 unless required. */
export function tokenCount(o: Record<string, unknown>, key: string, at: string, required = false): number {
  const value = o[key];
  if (value === undefined || value === null) {
    if (required) throw new InvalidUsageError(`${at}.${key}`, 'required');
    return 0;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidUsageError(`${at}.${key}`, 'expected a non-negative integer');
  }
  return value;
}

export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
