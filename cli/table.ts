// Aligned plain-text tables for human output: padded columns, no borders, no colours, so the output
// stays readable when piped, grepped or pasted into an issue.

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** Right-align (numbers, durations). */
  right?: boolean;
}

export const formatTable = <Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string => {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const render = (values: readonly string[]): string =>
    values
      .map((value, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.right === true ? value.padStart(width) : value.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((column) => column.header.toUpperCase())), ...cells.map(render)].join('\n');
};

/** `key: value` lines with the keys aligned, for one record (show, stats). */
export const formatFields = (fields: readonly (readonly [string, string])[]): string => {
  const width = Math.max(0, ...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${value}`.trimEnd()).join('\n');
};
