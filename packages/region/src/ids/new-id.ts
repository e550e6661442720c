import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
/** Ids drawn per refill of the pool. */
const POOLED_IDS = 256;

// Drawn from in order and refilled once used up, so that no byte goes into two ids. One call into
// OpenSSL per 256 ids: `randomBytes(16)` paid one per id (with its lock and, on this machine, a
// `getpid` for fork safety), about 5 µs of each authorization's ~1 ms. Ids are not secrets, but
// their bytes are as unpredictable as `randomBytes`' (the same generator); `randomUUID` pools
// the same way.
const pool = Buffer.alloc(ID_BYTES * POOLED_IDS);
let next = pool.length;

/** A new random id (128 bits, base64url): rows, token references, reports, authorizations. */
export function newId(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.toString('base64url', next, next + ID_BYTES);
  next += ID_BYTES;
  return id;
}
