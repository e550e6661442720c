import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { Static, TObject, TProperties, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
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

/** Where the settings come from, highest precedence first; the schema's defaults come last. */
export interface SettingSources {
  /** What commander parsed (`command.opts()`). */
  readonly flags: Readonly<Record<string, unknown>>;
  /** `DOMICILE_<NAME>` variables ({@link envNameOf}); a list is comma-separated. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A configuration file's settings, named as the schema's properties are. */
  readonly file?: SettingsFile;
}

/** A configuration file, read ({@link readSettingsFile}) but not yet checked. */
export interface SettingsFile {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Where one setting's value came from. */
export type SettingOrigin = 'flag' | 'env' | 'file' | 'default';

/** Valid settings, and where each came from, so that a later failure can name its source. */
export interface ParsedSettings<T> {
  readonly values: T;
  readonly origins: Readonly<Record<string, SettingOrigin>>;
  /** Names the source of a setting in an error's details, never its value: `{ option: '--dir' }`. */
  sourceOf(key: keyof T & string): ErrorDetails;
}

/** The environment variable of a setting: `issuerTimeoutMs` → `DOMICILE_ISSUER_TIMEOUT_MS`. */
export function envNameOf(key: string): string {
  return `DOMICILE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
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
  if (schema?.type === 'boolean')
    return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/** The attribute commander stores a flag's value under: `--log-file` → `logFile`. */
function attributeOf(spec: SettingSpec): string {
  return new Option(spec.flag).attributeName();
}

/**
 * Merges the sources, converts text to the schema's types and checks the result once. The first
 * wrong setting is a {@link UsageError} naming where it came from (`option`, `env`, or `file` and
 * `field`) and what a valid value is, never the value given (it may be a secret).
 */
export function parseSettings<P extends TProperties>(
  schema: TObject<P>,
  specs: SettingSpecs<P>,
  sources: SettingSources,
): ParsedSettings<Static<TObject<P>>> {
  const specOf = (key: string): SettingSpec | undefined =>
    (specs as Record<string, SettingSpec | undefined>)[key];
  const merged: Record<string, unknown> = {};
  const origins: Record<string, SettingOrigin> = {};
  const set = (key: string, origin: SettingOrigin, value: unknown): void => {
    if (value === undefined) return;
    merged[key] = value;
    origins[key] = origin;
  };
  for (const [key, value] of Object.entries(sources.file?.values ?? {})) set(key, 'file', value);
  for (const [key, spec] of Object.entries<SettingSpec>(specs)) {
    const property = schema.properties[key];
    const text = sources.env?.[envNameOf(key)];
    const fromEnv = property?.type === 'array' ? text?.split(',').map((v) => v.trim()) : text;
    set(key, 'env', fromText(property, fromEnv));
    set(key, 'flag', fromText(property, sources.flags[attributeOf(spec)]));
  }
  const values = Value.Default(schema, structuredClone(merged)) as Record<string, unknown>;
  for (const key of Object.keys(values)) origins[key] ??= 'default';

  const sourceOf = (key: string): ErrorDetails => {
    const spec = specOf(key);
    switch (origins[key]) {
      case 'env':
        return { env: envNameOf(key) };
      case 'file':
        return { file: sources.file?.path ?? '', field: key };
      default:
        return spec === undefined ? { field: key } : { option: spec.flag };
    }
  };
  const first = Value.Errors(schema, values).First();
  if (first !== undefined) {
    const key = first.path.split('/')[1] ?? '';
    const spec = specOf(key);
    throw new UsageError('CONFIG_INVALID', {
      ...sourceOf(key),
      reason:
        spec === undefined
          ? 'unknown setting'
          : merged[key] === undefined
            ? 'required'
            : `expected ${spec.expects}`,
    });
  }
  return { values: values as Static<TObject<P>>, origins, sourceOf };
}

/** Reads a YAML (or JSON) configuration file; what it says is checked by {@link parseSettings}. */
export async function readSettingsFile(path: string): Promise<SettingsFile> {
  const refuse = (reason: string, cause?: unknown): UsageError =>
    new UsageError('CONFIG_INVALID', { option: '--config', file: path, reason }, cause);
  const text = await readFile(path, 'utf8').catch((cause: unknown) => {
    throw refuse('unreadable', cause);
  });
  let values: unknown;
  try {
    values = parse(text);
  } catch {
    // No cause: a YAML error quotes the line, which may hold a secret pasted there by mistake.
    throw refuse('not YAML');
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values))
    throw refuse('not a mapping of settings');
  return { path, values: values as Record<string, unknown> };
}
