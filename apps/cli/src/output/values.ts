// How single values from the gateway's JSON read in human output.

/** Absent values print as `-` so columns and fields never look shifted or cut off. */
export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** `team=ml, env=prod`; the order is the gateway's. */
export function formatMetadata(metadata: Record<string, string> | null | undefined): string {
  const entries = Object.entries(metadata ?? {});
  return entries.length === 0 ? '-' : entries.map(([key, value]) => `${key}=${value}`).join(', ');
}

/** Money stays the gateway's decimal string (never a float): `100.00 USD`. */
export function formatMoney(amount: string, currency: string): string {
  return `${amount} ${currency}`;
}
