export type InvalidAmountReason = 'empty' | 'too_long' | 'not_a_decimal' | 'too_many_fraction_digits';

const EXPLANATIONS: Record<InvalidAmountReason, string> = {
  empty: 'an amount is required',
  too_long: 'the amount has too many digits',
  not_a_decimal: 'expected a plain decimal like "100.00" (digits, optional "." and up to 9 fraction digits; no sign, exponent, spaces or separators)',
  too_many_fraction_digits: 'at most 9 fraction digits are supported (nano-units)',
};

/** A decimal amount string that cannot be read; `reason` lets callers name the problem precisely. */
export class InvalidAmountError extends Error {
  constructor(
    readonly input: string,
    readonly reason: InvalidAmountReason,
  ) {
    super(`Invalid amount ${JSON.stringify(input)}: ${EXPLANATIONS[reason]}`);
    this.name = 'InvalidAmountError';
  }
}
