import type { Decision } from '../decision.js';
import { ConflictError } from '../errors/conflict-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { PricebookEvent } from './pricebook.events.js';
import type { PricebookState } from './pricebook.state.js';
import { sameJson } from './same-json.js';

/** The document is validated by libs/pricing at the edge; the domain guards the version history. */
export interface PublishPricebook {
  type: 'PublishPricebook';
  version: string;
  document: Record<string, unknown>;
  actor: string;
}

/**
 * A version is published once: charges record the version they used, so reusing a version
 * for other prices would make old charges unexplainable. Publishing the newest version again
 * with the very same document changes nothing and records nothing: a retry of a publish whose
 * answer was lost succeeds (PUT is idempotent) instead of reporting a conflict.
 */
export function decidePricebook(state: PricebookState, command: PublishPricebook): Decision<PricebookEvent> {
  if (command.version.trim() === '' || command.version.length > 100) {
    return new ValidationError([{ field: 'version', message: 'version must be 1 to 100 characters' }]);
  }
  const latestVersion = state.versions.at(-1);
  if (command.version === latestVersion && sameJson(state.latestDocument, command.document)) return [];
  if (state.versions.includes(command.version)) {
    const differs = command.version === latestVersion ? 'with a different document' : `before version ${latestVersion}`;
    return new ConflictError(`pricebook version ${command.version} was already published ${differs}; publish prices under a new version`, { version: command.version });
  }
  return [{ type: 'PricebookPublished', schemaVersion: 1, data: { version: command.version, document: command.document, actor: command.actor } }];
}
