import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Statements kept prepared; the region's queries are a few hundred distinct texts at most. */
const MAX_STATEMENTS = 500;

/**
 * The better-sqlite3 database as Kysely's SQLite dialect sees it, with prepared statements kept
 * by SQL text. Kysely prepares every statement it runs; parsing and planning the same SQL on
 * every query cost about as much as running it (the bench's profiles of a region under load).
 * A statement is reused only when it is idle: one still held by an open iterator (a streamed
 * query) is never handed out twice, a fresh one is prepared instead. The least recently used
 * statement is dropped when the cache is full. `onWrite` is called whenever a statement that may
 * change the database is handed out (SQLite's `sqlite3_stmt_readonly`; `begin` and `commit` count
 * as read-only), so that group commit knows a transaction wrote.
 */
export function withStatementCache(
  db: BetterSqlite3.Database,
  options: { maxStatements?: number; onWrite?: () => void } = {},
): SqliteDatabase {
  const { maxStatements = MAX_STATEMENTS, onWrite } = options;
  const statements = new Map<string, BetterSqlite3.Statement>();
  const handOut = (statement: BetterSqlite3.Statement): BetterSqlite3.Statement => {
    if (onWrite !== undefined && !statement.readonly) onWrite();
    return statement;
  };
  return {
    close: () => {
      statements.clear();
      db.close();
    },
    prepare: (sql) => {
      const cached = statements.get(sql);
      if (cached !== undefined && !cached.busy) {
        // Re-inserted, so the map's order stays least recently used first.
        statements.delete(sql);
        statements.set(sql, cached);
        return handOut(cached);
      }
      const statement = db.prepare(sql);
      if (cached === undefined) {
        statements.set(sql, statement);
        if (statements.size > maxStatements) {
          const oldest = statements.keys().next();
          if (oldest.done !== true) statements.delete(oldest.value);
        }
      }
      return handOut(statement);
    },
  };
}
