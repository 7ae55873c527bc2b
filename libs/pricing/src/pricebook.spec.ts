import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseAmount } from '@caracal/money';
import { loadPricebook } from './pricebook.load.js';
import { parsePricebook } from './pricebook.parse.js';
import { PricebookValidationError } from './pricing.errors.js';

const minimal = () => ({
  version: 't1', effectiveFrom: '2025-01-01', currency: 'USD', source: 'test',
  models: [{ provider: 'openai', model: 'gpt-4o', inputPerMillion: '2.50', outputPerMillion: '10', maxOutputTokens: 16384, contextWindow: 128000 }],
  resources: [
    { pattern: 'https://api.example.com/*', perRequest: '0.001' },
    { pattern: 'https://api.example.com/v2/search*', perRequest: '0.005' },
    { pattern: 'https://*.tiles.example.org/*', perRequest: '0.0001' },
  ],
});

describe('pricebook file', () => {
  it('loads the repository pricebook with the required models', async () => {
    const book = await loadPricebook();
    expect(book.currency).toBe('USD');
    expect(book.version).toMatch(/\S/);
    for (const m of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large']) {
      expect(book.priceFor('openai', m)?.model).toBe(m);
    }
    for (const m of ['claude-opus-4', 'claude-sonnet-4', 'claude-3-5-haiku']) expect(book.priceFor('anthropic', m)?.model).toBe(m);
    expect(book.priceFor('openai', 'gpt-4o')?.inputPerMillionNanos).toBe(2_500_000_000n);
  });

  it('stores every price as a decimal string', () => {
    const raw = JSON.parse(readFileSync(new URL('../../../pricebook/pricebook.json', import.meta.url), 'utf8'));
    for (const m of raw.models) for (const [k, v] of Object.entries(m)) if (k.endsWith('PerMillion')) expect(typeof v).toBe('string');
  });
});

describe('model matching', () => {
  it('maps dated snapshots and aliases, longest name wins, variants stay unpriced', async () => {
    const book = await loadPricebook();
    expect(book.priceFor('openai', 'gpt-4o-2024-08-06')?.model).toBe('gpt-4o');
    expect(book.priceFor('openai', 'gpt-4o-2024-05-13')?.model).toBe('gpt-4o-2024-05-13');
    expect(book.priceFor('openai', 'gpt-4o-mini-2024-07-18')?.model).toBe('gpt-4o-mini');
    expect(book.priceFor('openai', 'gpt-4.1-nano-2025-04-14')?.model).toBe('gpt-4.1-nano');
    expect(book.priceFor('openai', 'o3-mini-2025-01-31')?.model).toBe('o3-mini');
    expect(book.priceFor('anthropic', 'claude-sonnet-4-20250514')?.model).toBe('claude-sonnet-4');
    expect(book.priceFor('anthropic', 'claude-opus-4-1-20250805')?.model).toBe('claude-opus-4-1');
    expect(book.priceFor('anthropic', 'claude-3-5-haiku-latest')?.model).toBe('claude-3-5-haiku');
    expect(book.priceFor('anthropic', 'claude-sonnet-4-0')?.model).toBe('claude-sonnet-4');
    expect(book.priceFor('openai', 'gpt-4o-audio-preview')).toBeNull();
    expect(book.priceFor('openai', 'ft:gpt-4o-mini:org::abc')).toBeNull();
    expect(book.priceFor('openai', 'claude-sonnet-4')).toBeNull();
  });
});

describe('resources', () => {
  const book = parsePricebook(minimal());
  it.each([
    ['https://api.example.com/v1/items?q=1', '0.001'],
    ['https://api.example.com/', '0.001'],
    ['https://api.example.com/v2/search?q=x', '0.005'],
    ['https://a.tiles.example.org/1/2/3.png', '0.0001'],
  ])('%s costs %s per request', (url, price) => {
    expect(book.priceForResource(url)?.perRequestNanos).toBe(parseAmount(price));
  });
  it.each([
    'https://api.example.com.evil.com/x',
    'https://evil.com/https://api.example.com/x',
    'http://api.example.com/x',
    'https://api.example.com:8443/x',
    'https://user@api.example.com/x',
    'https://tiles.example.org/x',
    'https://a.tiles.example.org.evil/x',
  ])('%s is not priced', (url) => expect(book.priceForResource(url)).toBeNull());
});

describe('validation', () => {
  const bad = (mutate: (j: any) => void) => {
    const json: any = minimal();
    mutate(json);
    try {
      parsePricebook(json);
    } catch (error) {
      expect(error).toBeInstanceOf(PricebookValidationError);
      return (error as PricebookValidationError).field;
    }
    throw new Error('accepted');
  };
  it.each<[string, (j: any) => void]>([
    ['version', (j) => delete j.version],
    ['currency', (j) => (j.currency = 'usd')],
    ['effectiveFrom', (j) => (j.effectiveFrom = 'soon')],
    ['effectiveFrom', (j) => (j.effectiveFrom = '2025-02-30T00:00:00Z')],
    ['effectiveFrom', (j) => (j.effectiveFrom = '2023-02-29')],
    ['models', (j) => (j.models = {})],
    ['models[0].inputPerMillion', (j) => (j.models[0].inputPerMillion = 2.5)],
    ['models[0].outputPerMillion', (j) => (j.models[0].outputPerMillion = '-1')],
    ['models[0].provider', (j) => (j.models[0].provider = 'google')],
    ['models[0].maxOutputTokens', (j) => (j.models[0].maxOutputTokens = 1.5)],
    ['models[1].model', (j) => j.models.push({ ...j.models[0] })],
    ['resources[0].pattern', (j) => (j.resources[0].pattern = 'api.example.com/*')],
    ['resources[1].perRequest', (j) => delete j.resources[1].perRequest],
  ])('names %s', (field, mutate) => expect(bad(mutate)).toBe(field));
});
