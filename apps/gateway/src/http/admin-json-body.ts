import { ValidationError } from '../../../../libs/domain/src/index.js';

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

function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  // Iterative: measuring the depth must not overflow the stack itself.
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}
