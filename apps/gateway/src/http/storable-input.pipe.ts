import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ValidationError } from '@caracal/domain';
import { findUnstorableText } from '@caracal/event-store';

// Object.prototype's names ("__proto__", "constructor", "toString"...): assigned as keys they
// change or shadow an object's prototype, and class-transformer silently drops them. Refusing
// them keeps prototype pollution impossible and nothing is lost without a word.
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

function reservedKey(key: string): string | null {
  return PROTOTYPE_NAMES.has(key) ? `"${key}" is reserved (a name of JavaScript's Object.prototype)` : null;
}

/**
 * Runs before class-validator on every body, query and path parameter: text PostgreSQL cannot
 * store (NUL, lone surrogates) and prototype names as keys are a 400 naming the field, whichever
 * route and DTO the value reaches. The event store refuses such text too (its last line of defence).
 */
@Injectable()
export class StorableInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    // Fields are named as in class-validator's answers ("owner", "metadata.team"); a body that is itself text is "body".
    const root = metadata.data ?? (typeof value === 'string' ? metadata.type : '');
    const found = findUnstorableText(value, root, reservedKey);
    if (found) throw new ValidationError([{ field: found.field, message: found.problem }]);
    return value;
  }
}
