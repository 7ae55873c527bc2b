import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '../errors/conflict-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { deciderSpecification } from '../testing/index.js';
import { pricebookDecider } from './pricebook.decider.js';
import type { PricebookEvent } from './pricebook.events.js';

const given = deciderSpecification(pricebookDecider);
const publish = (version: string) => ({ type: 'PublishPricebook' as const, version, document: { version }, actor: 'admin' });
const published = (version: string, document: Record<string, unknown>): PricebookEvent =>
  ({ type: 'PricebookPublished', schemaVersion: 1, data: { version, document, actor: 'a' } });

describe('pricebook', () => {
  it('given no versions, when one is published, then it is recorded', () => {
    given().when(publish('2026-01')).then([
      { type: 'PricebookPublished', schemaVersion: 1, data: { version: '2026-01', document: { version: '2026-01' }, actor: 'admin' } },
    ]);
  });

  it('given a published version, when it is published again, then it is refused', () => {
    const existing = given(published('2026-01', {}));
    existing.when(publish('2026-01')).thenRefuses(ConflictError);
    expect(existing.when(publish('2026-02')).events()).toHaveLength(1);
  });

  it('given the newest version, when the same document is published again, then nothing is recorded', () => {
    const document = { version: '2026-01', models: [{ model: 'a', inputPerMillion: '1.00' }], currency: 'USD' };
    const existing = given(published('2026-01', document));
    const reordered = { currency: 'USD', models: [{ inputPerMillion: '1.00', model: 'a' }], version: '2026-01' };
    existing.when({ type: 'PublishPricebook', version: '2026-01', document: reordered, actor: 'admin' }).thenNothingHappened();
    const changed = { ...document, models: [{ model: 'a', inputPerMillion: '2.00' }] };
    const refused = existing.when({ type: 'PublishPricebook', version: '2026-01', document: changed, actor: 'admin' }).thenRefuses(ConflictError);
    expect(refused.message).toBe('pricebook version 2026-01 was already published with a different document; publish prices under a new version');
  });

  it('given a newer version, when an older one is published again, then it is refused even with the same document', () => {
    const older = { version: '2026-01' };
    const existing = given(published('2026-01', older), published('2026-02', { version: '2026-02' }));
    const refused = existing.when({ type: 'PublishPricebook', version: '2026-01', document: older, actor: 'admin' }).thenRefuses(ConflictError);
    expect(refused.message).toBe('pricebook version 2026-01 was already published before version 2026-02; publish prices under a new version');
  });

  it('refuses an empty version', () => {
    given().when(publish(' ')).thenRefuses(ValidationError);
  });
});
