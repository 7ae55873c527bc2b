export type Field = readonly [label: string, value: string];

/**
 * One `Label:  value` line per field, values aligned:
 *
 *   Agent ID:  3f2c...
 *   Status:    active
 */
export function formatFields(fields: readonly Field[]): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${singleLine(value)}`).join('\n');
}

/**
 * Server text (names, reasons, patterns) must not break the layout or send terminal control codes.
 * The CLI does not validate the gateway's answers (@caracal/api-contract types them), so a value the types call a
 * string may still be missing from a gateway of another version: it prints as `-`, never a crash.
 */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof text === 'string') return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  const value: unknown = text;
  if (value === null || value === undefined) return '-';
  return singleLine(typeof value === 'object' ? JSON.stringify(value) : String(value));
}
