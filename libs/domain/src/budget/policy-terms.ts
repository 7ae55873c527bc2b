import { MAX_AMOUNT, formatAmount, isCurrencyCode, parseAmount, InvalidAmountError } from '@caracal/money';
// The windows are the API's words (@caracal/api-contract, types and constants only): one list
// that the gateway validates, the CLI offers and this checks, so they cannot drift apart.
import { TIME_WINDOWS, WINDOW_TYPES, type TimeWindow, type WindowType } from '@caracal/api-contract';
import type { ValidationIssue } from '../errors/validation-error.js';

export type { TimeWindow, WindowType };

/** The terms of one policy version. Every version carries all of them. */
export interface PolicyTerms {
  limitNanos: bigint;
  currency: string;
  timeWindow: TimeWindow;
  windowType: WindowType;
  /** IANA name; always 'UTC' for rolling and total windows. */
  timezone: string;
}

/** Terms as a command carries them: strings from the API, checked here at run time. */
export interface PolicyTermsInput {
  limit: string;
  currency: string;
  timeWindow: string;
  windowType: string;
  timezone: string;
}

// Shaped like an IANA name ("Europe/Paris", "UTC"); keeps out the offsets ("+05:00") that newer
// ICU versions accept, which are not zones and have no daylight-saving rules.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** Checks every term and returns all the issues, or the terms in their stored form. */
export function checkPolicyTerms(input: PolicyTermsInput): PolicyTerms | ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const limitNanos = checkLimit(input.limit, issues);
  if (!isCurrencyCode(input.currency)) {
    issues.push({ field: 'currency', message: `${JSON.stringify(input.currency)} is not an ISO 4217 currency code (e.g. "USD")` });
  }
  const timeWindow = TIME_WINDOWS.find((window) => window === input.timeWindow);
  if (timeWindow === undefined) {
    issues.push({ field: 'timeWindow', message: `must be one of ${TIME_WINDOWS.join(', ')}` });
  }
  const windowType = WINDOW_TYPES.find((type) => type === input.windowType);
  if (windowType === undefined) {
    issues.push({ field: 'windowType', message: `must be one of ${WINDOW_TYPES.join(', ')}` });
  }
  // A total window never resets, so it has no boundaries to align or roll; one spelling
  // (calendar) keeps "one active policy per agent, currency and window" meaningful.
  if (timeWindow === 'total' && windowType === 'rolling') {
    issues.push({ field: 'windowType', message: 'a total window never resets; use windowType "calendar"' });
  }
  const timezone = canonicalTimeZone(input.timezone);
  if (timezone === null) {
    issues.push({ field: 'timezone', message: `${JSON.stringify(input.timezone)} is not an IANA time zone (e.g. "UTC", "Europe/Paris")` });
  } else if (timezone !== 'UTC' && (windowType === 'rolling' || timeWindow === 'total')) {
    // Rolling and total windows have no calendar boundaries, so a zone would change nothing;
    // refusing it avoids a policy that looks local but is not.
    issues.push({
      field: 'timezone',
      message: `${timezone} applies only to calendar windows; a ${timeWindow === 'total' ? 'total' : 'rolling'} window needs timezone "UTC"`,
    });
  }
  if (issues.length > 0 || limitNanos === null || timeWindow === undefined || windowType === undefined || timezone === null) {
    return issues;
  }
  return { limitNanos, currency: input.currency, timeWindow, windowType, timezone };
}

export function sameTerms(a: PolicyTerms, b: PolicyTerms): boolean {
  return (
    a.limitNanos === b.limitNanos &&
    a.currency === b.currency &&
    a.timeWindow === b.timeWindow &&
    a.windowType === b.windowType &&
    a.timezone === b.timezone
  );
}

function checkLimit(limit: string, issues: ValidationIssue[]): bigint | null {
  // A JSON number would already have lost precision: money is only ever a decimal string.
  if (typeof limit !== 'string') {
    issues.push({ field: 'limit', message: 'must be a decimal string like "100.00"' });
    return null;
  }
  let nanos: bigint;
  try {
    nanos = parseAmount(limit);
  } catch (error) {
    if (!(error instanceof InvalidAmountError)) throw error;
    issues.push({ field: 'limit', message: error.message });
    return null;
  }
  if (nanos <= 0n) {
    issues.push({ field: 'limit', message: 'must be greater than 0' });
    return null;
  }
  if (nanos > MAX_AMOUNT) {
    issues.push({ field: 'limit', message: `must be at most ${formatAmount(MAX_AMOUNT)}` });
    return null;
  }
  return nanos;
}

/** The zone's canonical IANA name ("utc" → "UTC", "Etc/UTC" → "UTC"), or null if unknown. */
function canonicalTimeZone(name: string): string | null {
  if (typeof name !== 'string' || !IANA_NAME.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
