import { DomicileError } from '../errors/index.js';

/**
 * Input checks shared by the EMV functions. A failure names the field and the expected shape,
 * never the value: a value may be key material.
 */
export function invalidField(field: string, expected: string): DomicileError {
  return new DomicileError('VALIDATION_FAILED', { details: { field, expected } });
}

export function requireBytes(field: string, value: Uint8Array, min: number, max = min): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length < min || value.length > max) {
    throw invalidField(field, min === max ? `${min} bytes` : `${min} to ${max} bytes`);
  }
  return value;
}

/**
 * Parses hexadecimal text (either case, even length) into bytes, checking the byte count when
 * `min` is given. For CLI flags and configuration; the EMV functions themselves take bytes.
 */
export function hexToBytes(field: string, text: string, min?: number, max = min): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text))
    throw invalidField(field, 'hexadecimal digits, an even count');
  const bytes = Buffer.from(text, 'hex');
  if (min !== undefined) requireBytes(field, bytes, min, max);
  return bytes;
}

/** The 2-byte Application Transaction Counter (9F36), from a number or its two bytes. */
export function atcBytes(atc: number | Uint8Array): Buffer {
  if (typeof atc === 'number') {
    if (!Number.isInteger(atc) || atc < 0 || atc > 0xffff)
      throw invalidField('atc', 'an integer from 0 to 65535');
    const bytes = Buffer.alloc(2);
    bytes.writeUInt16BE(atc);
    return bytes;
  }
  return Buffer.from(requireBytes('atc', atc, 2));
}
