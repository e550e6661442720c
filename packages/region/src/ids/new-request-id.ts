import { randomUUID } from 'node:crypto';

/**
 * A request id unique across nodes and processes: a UUIDv7 (RFC 9562), 48 bits of milliseconds
 * then 74 random bits, so that ids sort by time in a merged log. The random bits are a UUIDv4's
 * (its `rand_a` and its variant and `rand_b`): `randomUUID` draws from a cached pool of secure
 * random bytes, where `randomBytes(16)` paid a call into OpenSSL on every request.
 */
export function newRequestId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

/** An incoming `x-request-id` (a proxy's, a caller's) is kept only in this form. */
const GIVEN_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$/;

/** The id of a request: the caller's `x-request-id` when it is a plain token, else a new one. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && GIVEN_REQUEST_ID.test(given) ? given : newRequestId();
}
