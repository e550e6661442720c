import type { FastJose } from './fast-jose.js';

/**
 * What bundlers for the browser take instead of `node-jose.ts` (the package's `browser` field):
 * no node:crypto there, so the JOSE profile runs on jose and WebCrypto.
 */
export const fastJose: FastJose | undefined = undefined;
