/** Errors of libs/pricing. Each carries a stable `code` the gateway maps to an HTTP answer. */

/** The pricebook file is malformed; `field` names the offending path, e.g. `models[3].inputPerMillion`. */
export class PricebookValidationError extends Error {
  readonly code = 'invalid_pricebook';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Invalid pricebook: ${field}: ${problem}`);
    this.name = 'PricebookValidationError';
  }
}

export type UnpricedReason =
  | 'unknown_model'
  | 'missing_model'
  | 'unsupported_endpoint'
  | 'unsupported_option'
  | 'invalid_request';

/** The request cannot be priced (fail closed): the gateway answers 403 `unpriced_resource`. */
export class UnpricedError extends Error {
  readonly code = 'unpriced_resource';
  constructor(
    readonly reason: UnpricedReason,
    readonly provider: string,
    readonly model: string | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'UnpricedError';
  }
}

/**
 * Not even one output token fits the remaining budget once the input's worst case is paid:
 * the gateway denies with `budget_exceeded`.
 */
export class OutputBudgetExhaustedError extends Error {
  readonly code = 'budget_exceeded';
  constructor(
    readonly remainingNanos: bigint,
    readonly inputCostNanos: bigint,
  ) {
    super(`The remaining budget (${remainingNanos} nanos) does not cover the input (${inputCostNanos} nanos) plus one output token`);
    this.name = 'OutputBudgetExhaustedError';
  }
}

/** An upstream's usage object does not have the expected shape. */
export class InvalidUsageError extends Error {
  readonly code = 'invalid_usage';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid usage: ${field}: ${problem}`);
    this.name = 'InvalidUsageError';
  }
}
