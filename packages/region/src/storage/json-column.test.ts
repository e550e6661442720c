import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { JsonColumnError, jsonColumn } from './json-column.js';

const column = jsonColumn(
  'things.body',
  Type.Object({ id: Type.String({ minLength: 1 }), tags: Type.Array(Type.String()) }),
);

function failure(run: () => unknown): JsonColumnError {
  try {
    run();
  } catch (error) {
    if (error instanceof JsonColumnError) return error;
    throw error;
  }
  throw new Error('expected a JsonColumnError');
}

describe('jsonColumn', () => {
  it('encodes a value to JSON text and decodes it back', () => {
    const text = column.encode({ id: 'a1', tags: ['x'] });
    expect(text).toBe('{"id":"a1","tags":["x"]}');
    expect(column.decode(text)).toEqual({ id: 'a1', tags: ['x'] });
  });

  it('refuses text that is not JSON, naming the column and never the text', () => {
    const error = failure(() => column.decode('{"id":"secret-4111'));
    expect([error.code, error.reason, error.column]).toEqual([
      'INTERNAL',
      'not_json',
      'things.body',
    ]);
    expect(error.details).toEqual({ reason: 'json_column_not_json', column: 'things.body' });
    expect(JSON.stringify(error.toBody())).not.toContain('secret');
  });

  it('refuses JSON that does not match the schema, with the first failing path', () => {
    const error = failure(() => column.decode('{"id":"","tags":["x"]}'));
    expect(error.reason).toBe('schema_mismatch');
    expect(error.details).toEqual({
      reason: 'json_column_schema_mismatch',
      column: 'things.body',
      path: '/id',
    });
    expect(failure(() => column.decode('null')).reason).toBe('schema_mismatch');
  });

  it('refuses to write a value that does not match the schema', () => {
    const bad = { id: 'a1', tags: [1] } as unknown as { id: string; tags: string[] };
    expect(failure(() => column.encode(bad)).details).toMatchObject({ path: '/tags/0' });
  });
});
