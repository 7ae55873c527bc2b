import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '../errors/conflict-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { decidePricebook } from './pricebook.decide.js';
import { evolvePricebook } from './pricebook.evolve.js';
import { initialPricebookState } from './pricebook.state.js';

const publish = (version: string) => ({ type: 'PublishPricebook' as const, version, document: { version }, actor: 'admin' });

describe('pricebook', () => {
  it('given no versions, when one is published, then it is recorded', () => {
    expect(decidePricebook(initialPricebookState, publish('2026-01'))).toEqual([
      { type: 'PricebookPublished', schemaVersion: 1, data: { version: '2026-01', document: { version: '2026-01' }, actor: 'admin' } },
    ]);
  });

  it('given a published version, when it is published again, then it is refused', () => {
    const state = evolvePricebook(initialPricebookState, { type: 'PricebookPublished', schemaVersion: 1, data: { version: '2026-01', document: {}, actor: 'a' } });
    expect(decidePricebook(state, publish('2026-01'))).toBeInstanceOf(ConflictError);
    expect(decidePricebook(state, publish('2026-02'))).toHaveLength(1);
  });

  it('refuses an empty version', () => {
    expect(decidePricebook(initialPricebookState, publish(' '))).toBeInstanceOf(ValidationError);
  });
});
