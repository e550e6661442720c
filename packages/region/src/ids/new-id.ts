import { randomBytes } from 'node:crypto';

/** A new random id (128 bits, base64url): rows, token references, reports, authorizations. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}
