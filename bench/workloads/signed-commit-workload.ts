import { createPrivateKey, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { httpRequest } from '../http-client.js';
import type { Workload } from './workload.js';

/**
 * `POST url` with one fresh ES256 JWS (a new `jti` each): the unit of the signed-commit ceiling.
 * The JWSs are signed in `prepareBatch`, outside the timing, as a network router would have
 * signed them before they reach the server.
 */
export class SignedCommitWorkload implements Workload {
  readonly #url: string;
  readonly #key: KeyObject;
  readonly #bodies = new Map<number, string>();

  constructor(spec: { url: string; privateJwk: JsonWebKey }) {
    this.#url = spec.url;
    this.#key = createPrivateKey({ key: spec.privateJwk, format: 'jwk' });
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  prepareBatch(first: number, count: number): Promise<void> {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT' })).toString('base64url');
    for (let i = first; i < first + count; i++) {
      // About the size of a network's authorization request: a few hundred bytes of claims.
      const claims = {
        jti: randomUUID(),
        iat: Math.floor(Date.now() / 1000),
        pad: 'x'.repeat(400),
      };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
        key: this.#key,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
      this.#bodies.set(i, JSON.stringify({ jws: `${header}.${payload}.${signature}` }));
    }
    return Promise.resolve();
  }

  /** The request body prepared for operation `index` (for tests of the ceiling itself). */
  preparedBody(index: number): string {
    const body = this.#bodies.get(index);
    if (body === undefined) throw new Error('no signed request prepared');
    return body;
  }

  async run(index: number): Promise<void> {
    const body = this.#bodies.get(index);
    if (body === undefined) throw new Error('no signed request prepared');
    this.#bodies.delete(index);
    const answer = await httpRequest(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (answer.status !== 200) throw new Error(`status ${answer.status}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
