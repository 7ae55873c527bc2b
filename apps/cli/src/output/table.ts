import { singleLine } from './fields.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Amounts read best right-aligned. */
  alignRight?: boolean;
}

/** A header row and one row per item, columns separated by two spaces. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => singleLine(column.value(row))));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((cellsOfRow) => cellsOfRow[index].length)));
  const line = (values: string[]): string =>
    values
      .map((value, index) => (columns[index].alignRight ? value.padStart(widths[index]) : value.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n');
}

/** A table of the items, `No <noun> found.` for none, and how to fetch the next page of a paged list. */
export function formatList<T>(items: readonly T[], columns: readonly Column<T>[], noun: string, nextCursor: string | null = null): string {
  const lines = [items.length === 0 ? `No ${noun} found.` : formatTable(items, columns)];
  if (nextCursor !== null) lines.push('', `More ${noun}: rerun with --cursor ${nextCursor}`);
  return lines.join('\n');
}
