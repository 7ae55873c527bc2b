const PER_MILLION = 1_000_000n;

/** Tokens charged at one per-million rate. */
export interface TokenCharge {
  readonly tokens: number | bigint;
  readonly perMillionNanos: bigint;
}

/**
 * The cost in nanos of some token charges: Σ tokens × rate / 10^6, rounded UP to the next
 * nano-unit once, on the sum (never per line, so rounding never adds more than 1 nano and the
 * result is monotone: more tokens never cost less).
 */
export function costOf(charges: readonly TokenCharge[]): bigint {
  return ceilDiv(numeratorOf(charges), PER_MILLION);
}

/** Σ tokens × rate, in nano-units × 10^-6 (exact; divide by 10^6, rounding up, for nanos). */
export function numeratorOf(charges: readonly TokenCharge[]): bigint {
  let sum = 0n;
  for (const { tokens, perMillionNanos } of charges) sum += BigInt(tokens) * perMillionNanos;
  return sum;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new RangeError('divisor must be positive');
  if (a <= 0n) return -(-a / b);
  return (a + b - 1n) / b;
}

export { PER_MILLION };
