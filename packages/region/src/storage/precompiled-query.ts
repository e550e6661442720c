import {
  CompiledQuery,
  type Compilable,
  type DialectAdapter,
  type Kysely,
  type QueryResult,
} from 'kysely';
import type { Database } from './database.js';
import { sqlDialectOf, type SqlDialectName } from './migrations/portable-ddl.js';

/** Where argument `index` goes in a query compiled by {@link precompiled}: never sent to a database. */
class Slot {
  constructor(readonly index: number) {}
}

/** A statement compiled once per database dialect: see {@link precompiled}. */
export interface PrecompiledQuery<Args extends readonly unknown[], Row> {
  /** Runs it on `db` (a transaction runs it on its own connection) with these arguments. */
  execute(db: Kysely<Database>, ...args: Args): Promise<QueryResult<Row>>;
}

/**
 * A hot statement whose SQL Kysely builds and compiles once per dialect, not on every call:
 * building the operation tree, freezing it and compiling it to SQL cost as much CPU as SQLite
 * took to run the statement (the bench's profiles of a region provisioning cards). `build` is
 * called once per dialect with a placeholder for each argument, and must use each one only as
 * a value of the statement (`values`, `set`, the right side of `where`): a placeholder that is
 * read, compared or left out makes `precompiled` throw at its first use, never run a wrong
 * statement. Only statements whose shape does not depend on their arguments belong here.
 */
export function precompiled<Args extends readonly unknown[], Row>(
  arity: Args['length'],
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): PrecompiledQuery<Args, Row> {
  const compiled = new WeakMap<DialectAdapter, CompiledQuery<Row>>();
  const compile = (db: Kysely<Database>): CompiledQuery<Row> => {
    const slots = Array.from({ length: arity }, (_, index) => new Slot(index));
    const query = build(db, ...(slots as unknown as Args)).compile();
    const used = new Set(query.parameters.filter((p) => p instanceof Slot));
    if (used.size !== arity)
      throw new Error(
        `a precompiled statement uses ${used.size} of its ${arity} arguments: ${query.sql}`,
      );
    return query;
  };
  return {
    execute: async (db, ...args) => {
      const adapter = db.getExecutor().adapter;
      let query = compiled.get(adapter);
      if (query === undefined) {
        query = compile(db);
        compiled.set(adapter, query);
      }
      const parameters = query.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
      return db.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters));
    },
  };
}

const dialects = new WeakMap<DialectAdapter, SqlDialectName>();

/**
 * {@link sqlDialectOf}, remembered per database: asking Kysely builds a new instance and an
 * introspector each time, too much for a statement's hot path.
 */
export function dialectOf(db: Kysely<Database>): SqlDialectName {
  const adapter = db.getExecutor().adapter;
  let dialect = dialects.get(adapter);
  if (dialect === undefined) {
    dialect = sqlDialectOf(db);
    dialects.set(adapter, dialect);
  }
  return dialect;
}
