/**
 * Every column of `Row`, by name, in the order given: the record type makes each column of `Row`
 * required and any other one an excess property, so a column the table gains is a type error here,
 * not a value a statement silently leaves out. For statements that name their columns rather than
 * `*`: those are prepared once per PostgreSQL connection (`preparedName`), and a precompiled
 * insert binds its values in this order.
 */
export function columnsOf<Row>(columns: Record<keyof Row, true>): readonly (keyof Row)[] {
  return Object.keys(columns) as (keyof Row)[];
}

/** `columns` as `table.column`: for a statement that joins another table with like-named columns. */
export function qualified<Table extends string, Column extends string>(
  table: Table,
  columns: readonly Column[],
): readonly `${Table}.${Column}`[] {
  return columns.map((column) => `${table}.${column}` as const);
}
