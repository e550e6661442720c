import { randomBytes } from 'node:crypto';

/**
 * A request id unique across nodes and processes: a UUIDv7 (RFC 9562), 48 bits of milliseconds
 * then 74 random bits, so that ids sort by time in a merged log.
 */
export function newRequestId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/** An incoming `x-request-id` (a proxy's, a caller's) is kept only in this form. */
const GIVEN_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$/;

/** The id of a request: the caller's `x-request-id` when it is a plain token, else a new one. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && GIVEN_REQUEST_ID.test(given) ? given : newRequestId();
}
