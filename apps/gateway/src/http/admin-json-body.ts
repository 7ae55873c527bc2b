import { ValidationError } from '@caracal/domain';
import { nestsDeeperThan } from './json-depth.js';

/** Far deeper than any admin document (a pricebook nests 3 levels), far shallower than a stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * The admin API's JSON body parser. JSON.parse makes every key an own property, so "__proto__"
 * reaches StorableInputPipe (which names it) instead of failing as "not valid JSON"; nesting is
 * bounded here, before class-transformer and class-validator recurse into the body.
 */
export function parseAdminJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw bodyError('must not be empty when Content-Type is application/json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw bodyError(`is not valid JSON: ${(error as Error).message}`);
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) throw bodyError(`nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`);
  return parsed;
}

function bodyError(message: string): ValidationError {
  return new ValidationError([{ field: 'body', message }]);
}
