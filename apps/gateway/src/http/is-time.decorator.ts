import { ValidateBy } from 'class-validator';
import { canonicalTimestamp } from '@caracal/merkle';

/**
 * An RFC 3339 time with its offset, of a day and time that exist (Date.parse and IsISO8601
 * roll 2025-02-30 over to March 2; canonicalTimestamp refuses it), or "now" where allowed.
 */
export function IsTime(options: { allowNow: boolean }): PropertyDecorator {
  const accepted = `an RFC 3339 time with its offset that exists (e.g. 2024-01-31T23:59:59Z)${options.allowNow ? ' or "now"' : ''}`;
  return ValidateBy({
    name: 'isTime',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && ((options.allowNow && value === 'now') || isTime(value)),
      defaultMessage: (args) => `${args?.property ?? 'time'} must be ${accepted}`,
    },
  });
}

/** The instant of a time IsTime accepted (not "now"). */
export function instantOf(text: string): Date {
  return new Date(canonicalTimestamp(text));
}

function isTime(text: string): boolean {
  try {
    canonicalTimestamp(text);
    return true;
  } catch {
    return false;
  }
}
