import { Option, type Command } from 'commander';
import type { Static, TObject, TProperties, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ErrorDetails } from '@domicile/protocol';
import { UsageError } from '../io/index.js';

/** How one setting is given on the command line, and what a valid value is, in words. */
export interface SettingSpec {
  /** The long flag, `--issuer-timeout-ms`; a list setting's flag is repeated, once per item. */
  readonly flag: string;
  /** The value's placeholder in `--help`, `<ms>`; none for a boolean setting (a bare flag). */
  readonly placeholder?: string;
  readonly help: string;
  /** What a valid value is, for the error that refuses one: `an integer from 1 to 600000`. */
  readonly expects: string;
}

/** One spec per property of the schema: a setting cannot be added without its flag. */
export type SettingSpecs<P extends TProperties> = { readonly [K in keyof P]: SettingSpec };

/** Where the settings come from, highest precedence first. */
export interface SettingSources {
  /** What commander parsed (`command.opts()`). */
  readonly flags: Readonly<Record<string, unknown>>;
}

/** Valid settings, and where each came from, so that a later failure can name its source. */
export interface ParsedSettings<T> {
  readonly values: T;
  /** Names the source of a setting in an error's details, never its value: `{ option: '--dir' }`. */
  sourceOf(key: keyof T & string): ErrorDetails;
}

/** The commander option of one setting: a list is repeatable; defaults come from the schema. */
function optionOf(spec: SettingSpec, list: boolean, fallback: unknown): Option {
  const flags = spec.placeholder === undefined ? spec.flag : `${spec.flag} ${spec.placeholder}`;
  const help =
    typeof fallback === 'string' || typeof fallback === 'number'
      ? `${spec.help} (default: ${fallback})`
      : spec.help;
  const option = new Option(flags, list ? `${help}; repeatable` : help);
  return list
    ? option.argParser((value: string, all: string[] | undefined) => [...(all ?? []), value])
    : option;
}

/**
 * Adds one option per setting to `command`. None is required and none has a commander default:
 * the schema decides both, once every source is merged.
 */
export function addSettingOptions<P extends TProperties>(
  command: Command,
  schema: TObject<P>,
  specs: SettingSpecs<P>,
): Command {
  for (const [key, spec] of Object.entries<SettingSpec>(specs)) {
    const property = schema.properties[key];
    command.addOption(optionOf(spec, property?.type === 'array', property?.default));
  }
  return command;
}

/**
 * A setting given as text (a flag, an environment variable) in the type its schema wants. Only
 * text that spells a number exactly becomes one: TypeBox's own conversion would turn `80.5` into
 * the integer 80 and start a server on a port nobody asked for.
 */
function fromText(schema: TSchema | undefined, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => fromText(schema?.items as TSchema, item));
  if (typeof value !== 'string') return value;
  if (schema?.type === 'integer' || schema?.type === 'number')
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  return value;
}

/** The attribute commander stores a flag's value under: `--log-file` → `logFile`. */
function attributeOf(spec: SettingSpec): string {
  return new Option(spec.flag).attributeName();
}

/**
 * Merges the sources (defaults from the schema last), converts text to the schema's types and
 * checks the result once. The first wrong setting is a {@link UsageError} naming its flag and what
 * a valid value is, never the value given (it may be a secret).
 */
export function parseSettings<P extends TProperties>(
  schema: TObject<P>,
  specs: SettingSpecs<P>,
  sources: SettingSources,
): ParsedSettings<Static<TObject<P>>> {
  const merged: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries<SettingSpec>(specs)) {
    const value = sources.flags[attributeOf(spec)];
    if (value !== undefined) merged[key] = fromText(schema.properties[key], value);
  }
  const values = Value.Default(schema, merged);
  const sourceOf = (key: string): ErrorDetails => {
    const spec = (specs as Record<string, SettingSpec | undefined>)[key];
    return spec === undefined ? { field: key } : { option: spec.flag };
  };
  const first = Value.Errors(schema, values).First();
  if (first !== undefined) {
    const key = first.path.split('/')[1] ?? '';
    const spec = (specs as Record<string, SettingSpec | undefined>)[key];
    const missing = merged[key] === undefined && spec !== undefined;
    throw new UsageError('CONFIG_INVALID', {
      ...sourceOf(key),
      reason:
        spec === undefined ? 'unknown setting' : missing ? 'required' : `expected ${spec.expects}`,
    });
  }
  return { values: values as Static<TObject<P>>, sourceOf };
}
