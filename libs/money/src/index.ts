export { MAX_AMOUNT, NANOS_PER_UNIT, formatAmount, parseAmount } from './amount.js';
export { InvalidAmountError, type InvalidAmountReason } from './invalid-amount.error.js';
export { isCurrencyCode } from './currency.js';
