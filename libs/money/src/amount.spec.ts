import { describe, expect, it } from '@jest/globals';
import { MAX_AMOUNT, formatAmount, parseAmount } from './amount.js';
import { InvalidAmountError } from './invalid-amount.error.js';

// A seeded generator keeps the property tests reproducible: a failure names the same values on every run.
function* randomAmounts(seed: bigint, count: number): Generator<bigint> {
  let state = seed;
  for (let i = 0; i < count; i += 1) {
    // 64-bit LCG (Knuth's MMIX constants).
    state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    // Mix magnitudes: small amounts, whole units and values near MAX_AMOUNT all get coverage.
    const scale = [10n, 1_000n, 1_000_000_000n, 1_000_000_000_000n, MAX_AMOUNT + 1n][i % 5];
    yield state % scale;
  }
}

describe('parseAmount', () => {
  it.each([
    ['0', 0n],
    ['1', 1_000_000_000n],
    ['100.00', 100_000_000_000n],
    ['100.5', 100_500_000_000n],
    ['0.000000001', 1n],
    ['007.10', 7_100_000_000n],
    ['1000000000.00', MAX_AMOUNT],
  ])('reads %s', (text, nanos) => {
    expect(parseAmount(text)).toBe(nanos);
  });

  it.each([
    ['', 'empty'],
    ['1e3', 'not_a_decimal'],
    ['-1', 'not_a_decimal'],
    ['+1', 'not_a_decimal'],
    [' 1', 'not_a_decimal'],
    ['1 ', 'not_a_decimal'],
    ['1,000.00', 'not_a_decimal'],
    ['.5', 'not_a_decimal'],
    ['5.', 'not_a_decimal'],
    ['0x10', 'not_a_decimal'],
    ['١٢', 'not_a_decimal'],
    ['NaN', 'not_a_decimal'],
    ['0.0000000001', 'too_many_fraction_digits'],
    ['1'.repeat(41), 'too_long'],
  ])('rejects %j (%s)', (text, reason) => {
    let caught: unknown;
    try {
      parseAmount(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidAmountError);
    expect(caught).toMatchObject({ input: text, reason });
  });
});

describe('formatAmount', () => {
  it.each([
    [100_000_000_000n, '100.00'],
    [1n, '0.000000001'],
    [0n, '0.00'],
    [1_500_000_000n, '1.50'],
    [1_234_000_000n, '1.234'],
    [MAX_AMOUNT, '1000000000.00'],
    [-2_500_000_000n, '-2.50'],
  ])('writes %p as %s', (nanos, text) => {
    expect(formatAmount(nanos)).toBe(text);
  });
});

describe('amount properties', () => {
  it('parse(format(n)) === n for many amounts', () => {
    for (const nanos of randomAmounts(42n, 5000)) {
      expect(parseAmount(formatAmount(nanos))).toBe(nanos);
    }
  });

  it('formats canonically, and trailing zeros up to 9 decimals do not change the value', () => {
    for (const nanos of randomAmounts(7n, 2000)) {
      const text = formatAmount(nanos);
      expect(text).toMatch(/^[0-9]+\.[0-9]{2}([0-9]*[1-9])?$/);
      const fractionDigits = text.length - text.indexOf('.') - 1;
      expect(parseAmount(text + '0'.repeat(9 - fractionDigits))).toBe(nanos);
    }
  });
});
