import type { Decision } from '../decision.js';
import { ConflictError } from '../errors/conflict-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { PricebookEvent } from './pricebook.events.js';
import type { PricebookState } from './pricebook.state.js';

/** The document is validated by libs/pricing at the edge; the domain guards the version history. */
export interface PublishPricebook {
  type: 'PublishPricebook';
  version: string;
  document: Record<string, unknown>;
  actor: string;
}

/**
 * A version is published once: charges record the version they used, so reusing a version
 * for other prices would make old charges unexplainable.
 */
export function decidePricebook(state: PricebookState, command: PublishPricebook): Decision<PricebookEvent> {
  if (command.version.trim() === '' || command.version.length > 100) {
    return new ValidationError([{ field: 'version', message: 'version must be 1 to 100 characters' }]);
  }
  if (state.versions.includes(command.version)) {
    return new ConflictError(`pricebook version ${command.version} was already published; publish prices under a new version`, { version: command.version });
  }
  return [{ type: 'PricebookPublished', schemaVersion: 1, data: { version: command.version, document: command.document, actor: command.actor } }];
}
