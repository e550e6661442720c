import { FormatRegistry } from '@sinclair/typebox';

// TypeBox's Value.Check rejects a string whose `format` is unregistered, and the protocol schemas
// use `date-time` and `email`. Registering is global, so only fill the gaps another package left;
// common.ts calls this on load, so every importer of the schemas can check values with them.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Registers the string formats the protocol schemas use (RFC 3339 `date-time`, `email`), once. */
export function registerSchemaFormats(): void {
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set(
      'date-time',
      (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
    );
  }
  if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', (value) => EMAIL.test(value));
}
