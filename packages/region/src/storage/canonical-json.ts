import { DomicileError } from '@domicile/protocol';

/**
 * The JSON Canonicalization Scheme (RFC 8785) for the values an audit row holds: objects, arrays,
 * strings, finite numbers, booleans and null. RFC 8785 is defined on ECMAScript's own
 * serialization (§3.2.2: strings and numbers exactly as `JSON.stringify` writes them), so the
 * only work left is member order: keys sorted by their UTF-16 code units (§3.2.3), which is what
 * `Array.prototype.sort` does without a comparator. Written here rather than taken from npm
 * because it is these few lines and the audit hash must not change with a dependency's release.
 *
 * @throws DomicileError `INTERNAL` for a value JSON cannot carry (undefined, a function, NaN, Infinity).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string')
    return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notCanonical('non_finite_number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  throw notCanonical(typeof value);
}

function notCanonical(kind: string): DomicileError {
  return new DomicileError('INTERNAL', { details: { reason: `canonical_json_${kind}` } });
}
