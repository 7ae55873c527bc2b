import { describe, expect, it } from '@jest/globals';
import { isCurrencyCode } from './currency.js';

describe('isCurrencyCode', () => {
  it.each(['USD', 'EUR', 'JPY', 'GBP', 'CHF'])('accepts %s', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
  });

  it.each(['usd', 'Usd', 'US', 'USDT', 'ABC', '', ' USD', 'US$'])('rejects %j', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
  });
});
