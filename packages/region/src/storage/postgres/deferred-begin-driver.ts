import {
  AbortedTransactionError,
  CompiledQuery,
  PostgresDriver,
  type DatabaseConnection,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type PgModule from 'pg';
import { definedProps } from '@domicile/protocol';
import { loadPg } from './load-pg.js';

/** The parts of `pg`'s wire connection a query writes with (`pg/lib/connection.js`). */
interface PgWire {
  readonly stream: { cork(): void; uncork(): void };
  /** Statements prepared on this connection, and those whose parse is on its way: by name. */
  readonly parsedStatements: Record<string, string | undefined>;
  readonly submittedNamedStatements: Record<string, string | undefined>;
  parse(query: { text: string; name?: string }): void;
  bind(config: Record<string, never>): void;
  execute(config: Record<string, never>): void;
}

/** What `pg` answers a query: one result, or one per command when a query holds several. */
type PgAnswer = PgModule.QueryResult | PgModule.QueryResult[];

/**
 * Kysely's PostgreSQL driver, but a transaction's `begin` is not a round trip of its own: it is
 * written on the wire just before the transaction's first statement, in the same extended-protocol
 * block (parse, bind, execute of `begin`, then the statement's, then one sync). The server runs
 * them in order; a `begin` it refused makes it skip the statement up to the sync, so a statement
 * never runs outside its transaction. A transaction that sends no statement sends no `begin`,
 * `commit` or `rollback` either. Every other statement goes as before, `commit` included
 * (durability unchanged). `begin` is then not counted by the statement log: it is no round trip.
 * A transaction's first statement always takes the extended protocol, so it must be one command
 * (as every statement with parameters already is): no `a; b` text there. Every other statement
 * with parameters, a transaction's first one included, goes prepared by name where
 * {@link preparedName} allows it.
 */
export class DeferredBeginDriver extends PostgresDriver {
  readonly #pool: PgModule.Pool;

  constructor(pool: PgModule.Pool) {
    super({ pool });
    this.#pool = pool;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return new DeferredBeginConnection(await this.#pool.connect());
  }

  override beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const mode = [
      settings.isolationLevel === undefined ? '' : ` isolation level ${settings.isolationLevel}`,
      settings.accessMode === undefined ? '' : ` ${settings.accessMode}`,
    ].join('');
    own(connection).deferBegin(mode === '' ? 'begin' : `start transaction${mode}`);
    return Promise.resolve();
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (own(connection).dropUnsentBegin()) return;
    const { rows } = await connection.executeQuery(CompiledQuery.raw('commit'));
    // PostgreSQL completes COMMIT with a ROLLBACK tag when an earlier error aborted the transaction.
    if ((rows[0] as { command?: string } | undefined)?.command === 'ROLLBACK')
      throw new AbortedTransactionError();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const deferred = own(connection);
    if (deferred.dropUnsentBegin()) return;
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      deferred.discard();
      throw error;
    }
  }

  override releaseConnection(connection: DatabaseConnection): Promise<void> {
    own(connection).release();
    return Promise.resolve();
  }
}

function own(connection: DatabaseConnection): DeferredBeginConnection {
  if (!(connection instanceof DeferredBeginConnection))
    throw new Error('not a connection of this driver');
  return connection;
}

class DeferredBeginConnection implements DatabaseConnection {
  readonly #client: PgModule.PoolClient;
  #begin: string | undefined;
  #discarded = false;

  constructor(client: PgModule.PoolClient) {
    this.#client = client;
  }

  deferBegin(begin: string): void {
    this.#begin = begin;
  }

  /** @returns whether a `begin` was pending: the server never saw the transaction. */
  dropUnsentBegin(): boolean {
    const pending = this.#begin !== undefined;
    this.#begin = undefined;
    return pending;
  }

  discard(): void {
    this.#discarded = true;
  }

  release(): void {
    this.#client.release(this.#discarded);
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#discarded) throw new Error('Postgres connection has been discarded');
    const begin = this.#begin;
    this.#begin = undefined;
    const values = [...compiled.parameters];
    const name = preparedName(compiled.sql, values);
    const answer: PgAnswer =
      begin === undefined
        ? await this.#client.query({ text: compiled.sql, values, ...definedProps({ name }) })
        : await behind(this.#client, begin, { text: compiled.sql, values, name });
    // Behind a `begin` the answer holds both commands' results: the statement's is the last.
    const { command, rowCount, rows } = Array.isArray(answer) ? lastOf(answer) : answer;
    if (command === 'ROLLBACK' || command === 'COMMIT') return { rows: [{ command } as R] };
    const changed =
      command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    return changed
      ? { numAffectedRows: BigInt(rowCount ?? 0), rows: rows as R[] }
      : { rows: rows as R[] };
  }

  /** The region never streams a query: Kysely's interface asks for the method. */
  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by this driver');
  }
}

function lastOf(results: readonly PgModule.QueryResult[]): PgModule.QueryResult {
  const last = results.at(-1);
  if (last === undefined) throw new Error('pg answered no result');
  return last;
}

/**
 * Sends `begin` and the statement in one write and one sync (extended protocol for both). A named
 * statement not yet prepared on the connection is parsed first, before the `begin`: `pg` records a
 * name as prepared at the first parse completed while its query runs, so that parse must be the
 * statement's own. Whatever fails after it (the `begin`, the statement's run), the server keeps
 * the statement, as `pg` then believes; one whose parse fails is not recorded, and the server
 * skips the `begin` and the rest up to the sync.
 */
function behind(
  client: PgModule.PoolClient,
  begin: string,
  statement: { text: string; values: unknown[]; name: string | undefined },
): Promise<PgAnswer> {
  return new Promise((resolve, reject) => {
    const callback = (error: Error | undefined, answer: PgAnswer): void =>
      error === undefined || error === null ? resolve(answer) : reject(error);
    const { text, values, name } = statement;
    const config = { text, values, queryMode: 'extended', callback, ...definedProps({ name }) };
    const query = new (loadPg().Query)(config as PgModule.QueryConfig);
    // `pg` checks nothing our query could fail before it writes: text, values, a name of one text.
    const submit = query.submit.bind(query) as unknown as (wire: PgWire) => Error | null;
    (query as unknown as { submit: typeof submit }).submit = (wire) => {
      wire.stream.cork();
      try {
        if (
          name !== undefined &&
          wire.parsedStatements[name] === undefined &&
          wire.submittedNamedStatements[name] === undefined
        ) {
          wire.parse({ text, name });
          // As `pg` marks a parse it sent itself: its own then binds the statement, unparsed.
          wire.submittedNamedStatements[name] = text;
        }
        wire.parse({ text: begin });
        wire.bind({});
        wire.execute({});
        return submit(wire);
      } finally {
        wire.stream.uncork();
      }
    };
    void client.query(query);
  });
}

/** Distinct statements prepared by name, at most: the region's own are a few hundred. */
const MAX_PREPARED = 500;
const prepared = new Map<string, string>();

/**
 * The name under which a statement is prepared once per connection and then only bound and run:
 * the server then skips parsing and planning it, most of its CPU for a short statement. Only a
 * statement with parameters that reads or writes rows, and names its columns: a prepared `*`
 * (other than `count(*)`) would fail ("cached plan must not change result type") once another
 * node's migration adds a column. Past `MAX_PREPARED` distinct texts the rest go unnamed.
 */
export function preparedName(text: string, values: readonly unknown[]): string | undefined {
  const known = prepared.get(text);
  if (known !== undefined) return known;
  // `count(*)` is one bigint whatever the table's columns: only a `*` that lists them is refused.
  const star = text.replaceAll('count(*)', '').includes('*');
  if (values.length === 0 || star || prepared.size >= MAX_PREPARED) return undefined;
  if (!/^\s*(select|insert|update|delete|with)\b/i.test(text)) return undefined;
  const name = `domicile_${prepared.size + 1}`;
  prepared.set(text, name);
  return name;
}
