import { describe, expect, expectTypeOf, it } from 'vitest';
import { columnsOf, qualified } from './column-list.js';

interface Row {
  id: string;
  name: string | null;
  created_at: string;
}

describe('columnsOf', () => {
  it('lists every column in the order written', () => {
    const columns = columnsOf<Row>({ created_at: true, id: true, name: true });
    expect(columns).toEqual(['created_at', 'id', 'name']);
    expectTypeOf(columns).toEqualTypeOf<readonly (keyof Row)[]>();
  });

  it('refuses, at compile time, a list missing a column or naming one the row has not', () => {
    // @ts-expect-error `created_at` is missing
    const missing = columnsOf<Row>({ id: true, name: true });
    // @ts-expect-error `updated_at` is not a column of the row
    const extra = columnsOf<Row>({ id: true, name: true, created_at: true, updated_at: true });
    // Checked by the type checker only: at run time each is still the keys it was given.
    expect(missing).toEqual(['id', 'name']);
    expect(extra).toHaveLength(4);
  });
});

describe('qualified', () => {
  it('prefixes each column with its table, in order', () => {
    const columns = qualified('rows', columnsOf<Row>({ id: true, name: true, created_at: true }));
    expect(columns).toEqual(['rows.id', 'rows.name', 'rows.created_at']);
    expectTypeOf(columns).toEqualTypeOf<readonly ('rows.id' | 'rows.name' | 'rows.created_at')[]>();
  });
});
