import { sql, type RawBuilder } from 'kysely';

/**
 * A text value of a statement that SQLite's planner cannot see into: compare a column with it
 * where the plan of a join (or any query SQLite plans in full, not by its one-row short cut)
 * would otherwise look at the bound value. A plan that looked at a bound value is marked to be
 * made again when that value changes, and better-sqlite3 clears the bindings after every run, so
 * such a statement was parsed and planned again on every run: the device look-up by key
 * thumbprint (one join) cost 30 µs where its tables' two reads cost 4 (measured with the
 * statement prepared once, better-sqlite3 13.2, SQLite 3.54). A cast is a no-op for a text value,
 * on PostgreSQL too, and the index on the column is still used.
 */
export function planStable(value: string): RawBuilder<string> {
  return sql<string>`cast(${value} as text)`;
}

/**
 * An integer value of a statement that SQLite's planner cannot see into, as {@link planStable}
 * for text: SQLite reads a bound LIMIT, and with STAT4 a range bound (`id > ?`), while it plans,
 * so such a statement was planned again on every run (the TSM worker's poll: 20 → 8 µs of CPU
 * with this, its state and the credential's written in the statement; a device's notification
 * stream read: 16 → 6.5 µs). `bigint` because PostgreSQL's identity columns are 64-bit: a cast to
 * `integer` there would refuse an id past 2³¹. On SQLite it is the same integer cast.
 */
export function planStableInteger(value: number): RawBuilder<number> {
  return sql<number>`cast(${value} as bigint)`;
}
