import type { PricebookEvent } from './pricebook.events.js';
import type { PricebookState } from './pricebook.state.js';

export function evolvePricebook(state: PricebookState, event: PricebookEvent): PricebookState {
  return { versions: [...state.versions, event.data.version], latestDocument: event.data.document };
}
