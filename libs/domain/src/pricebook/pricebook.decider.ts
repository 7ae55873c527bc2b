import type { Decider } from '../decider.js';
import { decidePricebook, type PublishPricebook } from './pricebook.decide.js';
import type { PricebookEvent } from './pricebook.events.js';
import { evolvePricebook } from './pricebook.evolve.js';
import { initialPricebookState, type PricebookState } from './pricebook.state.js';

/** The one pricebook stream: its published versions. */
export const pricebookDecider: Decider<PricebookState, PublishPricebook, PricebookEvent> = {
  decide: decidePricebook,
  evolve: evolvePricebook,
  initialState: initialPricebookState,
};
