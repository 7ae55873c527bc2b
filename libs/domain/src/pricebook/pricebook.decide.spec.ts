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

  it('given the newest version, when the same document is published again, then nothing is recorded', () => {
    const document = { version: '2026-01', models: [{ model: 'a', inputPerMillion: '1.00' }], currency: 'USD' };
    const state = evolvePricebook(initialPricebookState, { type: 'PricebookPublished', schemaVersion: 1, data: { version: '2026-01', document, actor: 'a' } });
    const reordered = { currency: 'USD', models: [{ inputPerMillion: '1.00', model: 'a' }], version: '2026-01' };
    expect(decidePricebook(state, { type: 'PublishPricebook', version: '2026-01', document: reordered, actor: 'admin' })).toEqual([]);
    const changed = { ...document, models: [{ model: 'a', inputPerMillion: '2.00' }] };
    const refused = decidePricebook(state, { type: 'PublishPricebook', version: '2026-01', document: changed, actor: 'admin' });
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).message).toBe('pricebook version 2026-01 was already published with a different document; publish prices under a new version');
  });

  it('given a newer version, when an older one is published again, then it is refused even with the same document', () => {
    const older = { version: '2026-01' };
    let state = evolvePricebook(initialPricebookState, { type: 'PricebookPublished', schemaVersion: 1, data: { version: '2026-01', document: older, actor: 'a' } });
    state = evolvePricebook(state, { type: 'PricebookPublished', schemaVersion: 1, data: { version: '2026-02', document: { version: '2026-02' }, actor: 'a' } });
    const refused = decidePricebook(state, { type: 'PublishPricebook', version: '2026-01', document: older, actor: 'admin' });
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).message).toBe('pricebook version 2026-01 was already published before version 2026-02; publish prices under a new version');
  });

  it('refuses an empty version', () => {
    expect(decidePricebook(initialPricebookState, publish(' '))).toBeInstanceOf(ValidationError);
  });
});
