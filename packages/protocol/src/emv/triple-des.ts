import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';

/**
 * Triple DES (EDE, a 24-byte key K1|K2|K3) over whole 8-byte blocks, ECB when `iv` is null, else
 * CBC; no padding. Node runs it in OpenSSL. Bundlers for the browser take `triple-des-browser.ts`
 * instead (the package's `browser` field): the same function in TypeScript.
 */
export function tripleDes(
  mode: 'encrypt' | 'decrypt',
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array | null,
): Uint8Array {
  const algorithm = iv === null ? 'des-ede3' : 'des-ede3-cbc';
  // A KeyObject rather than the bytes: node:crypto checks a raw key by throwing and catching two
  // errors (is it a KeyObject? a CryptoKey?), which cost three times the cipher itself.
  const secret = createSecretKey(key);
  const cipher =
    mode === 'encrypt'
      ? createCipheriv(algorithm, secret, iv)
      : createDecipheriv(algorithm, secret, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}
