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

/** Server text (names, reasons, patterns) must not break the layout or send terminal control codes. */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}
