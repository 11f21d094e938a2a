// Plain-text tables for the benchmark report: a title, aligned columns (numbers right-aligned),
// and notes underneath that say what the figures mean. No colours, so the output pastes cleanly
// into the README and into issues.

export type Cell = string | number;

export interface Table {
  title: string;
  head: readonly string[];
  rows: readonly (readonly Cell[])[];
  /** Lines printed under the table: the workload, caveats, how to read it. */
  notes?: readonly string[];
}

/** A number for humans: thousands separated, at most `digits` decimals. */
export const num = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits })
    : String(value);

/** Milliseconds: one decimal below 100 ms, whole above. */
export const msText = (value: number): string => (Math.abs(value) < 100 ? num(value, 1) : num(value, 0));

/** A ratio such as "25.3x". */
export const ratioText = (value: number): string => (Number.isFinite(value) ? `${num(value, value < 10 ? 2 : 1)}x` : 'n/a');

export const bytesText = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${num(bytes / 1024 / 1024, 2)} MiB` : bytes >= 1024 ? `${num(bytes / 1024, 1)} KiB` : `${bytes} B`;

const isNumeric = (cell: Cell): boolean => typeof cell === 'number' || /^[-+]?[\d,.]+(\s?\S{1,4})?$/.test(cell);

export const formatTable = (table: Table): string => {
  const text = table.rows.map((row) => row.map((cell) => (typeof cell === 'number' ? num(cell, 2) : cell)));
  const widths = table.head.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]?.length ?? 0)));
  // A column is right-aligned when every body cell in it looks like a number.
  const right = table.head.map((_, i) => i > 0 && table.rows.length > 0 && table.rows.every((row) => row[i] === undefined || isNumeric(row[i])));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (right[i] === true ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    table.title,
    '',
    line(table.head),
    rule,
    ...text.map(line),
    ...(table.notes && table.notes.length > 0 ? ['', ...table.notes.map((n) => `  ${n}`)] : []),
  ].join('\n');
};
