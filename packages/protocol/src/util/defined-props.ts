/** The properties of `T`, each optional and never `undefined`. */
export type DefinedProps<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * The given properties without those whose value is `undefined`. With
 * `exactOptionalPropertyTypes` an optional property may be absent but not `undefined`, so an
 * optional value is passed on as `...definedProps({ signal })` instead of writing
 * `...(signal === undefined ? {} : { signal })` for each one.
 */
export function definedProps<T extends Record<string, unknown>>(props: T): DefinedProps<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(props)) if (value !== undefined) out[key] = value;
  return out as DefinedProps<T>;
}
