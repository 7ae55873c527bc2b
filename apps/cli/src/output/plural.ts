/** `1 leaf`, `2 leaves`, `0 leaves`: a count with its noun. */
export function count(value: number | string, one: string, many: string): string {
  return `${value} ${String(value) === '1' ? one : many}`;
}
