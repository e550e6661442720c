import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { DomicileError, definedProps } from '@domicile/protocol';

/** Why a JSON column's value could not be read or written; carried in `details.reason`. */
export type JsonColumnFailure = 'not_json' | 'schema_mismatch';

/**
 * A JSON text column whose text is not what its schema says: a bug, or a row written by other
 * code. An `INTERNAL` error (never the caller's fault) that names the column and, for a schema
 * mismatch, the first path that failed; never the value, which may be personal data.
 */
export class JsonColumnError extends DomicileError {
  readonly column: string;
  readonly reason: JsonColumnFailure;

  constructor(
    column: string,
    reason: JsonColumnFailure,
    options: { path?: string; cause?: unknown },
  ) {
    super('INTERNAL', {
      details: { reason: `json_column_${reason}`, column, ...definedProps({ path: options.path }) },
      cause: options.cause,
    });
    this.column = column;
    this.reason = reason;
  }
}

/** Encodes values of one JSON text column to its text and decodes them back, checked against its schema both ways. */
export interface JsonColumn<T> {
  /** `table.column`, as errors name it. */
  readonly column: string;
  /** @throws JsonColumnError `schema_mismatch` when the value is not what the column holds. */
  encode(value: T): string;
  /** @throws JsonColumnError `not_json` or `schema_mismatch`. */
  decode(text: string): T;
}

/**
 * The codec of a JSON text column (the schema stores JSON as text on SQLite and PostgreSQL
 * alike): every reader and writer of the column goes through it, so a row is never read with an
 * unchecked cast. The schema is compiled once.
 */
export function jsonColumn<S extends TSchema>(column: string, schema: S): JsonColumn<Static<S>> {
  const check: TypeCheck<S> = TypeCompiler.Compile(schema);
  const mismatch = (value: unknown): JsonColumnError =>
    new JsonColumnError(column, 'schema_mismatch', {
      path: check.Errors(value).First()?.path ?? '/',
    });
  return {
    column,
    encode(value) {
      if (!check.Check(value)) throw mismatch(value);
      return JSON.stringify(value);
    },
    decode(text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw new JsonColumnError(column, 'not_json', { cause });
      }
      if (!check.Check(value)) throw mismatch(value);
      return value;
    },
  };
}
