// The runtime's ICU data is the ISO 4217 list; it is read once, at module load.
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

/** True for an upper-case ISO 4217 code known to the runtime ("USD", "EUR"); "usd" is not. */
export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && ISO_4217.has(code);
}
