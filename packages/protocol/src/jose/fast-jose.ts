import type { JWK, ProtectedHeaderParameters } from 'jose';

/** A protected header as received: read before anything in it is trusted. */
export type JoseHeader = ProtectedHeaderParameters;

/** A P-256 JWK; the private operations need `d`. */
export type P256Jwk = JWK;

/**
 * The compact JWS and JWE of Domicile's profile, synchronously, for Node (`node-jose.ts`). The
 * browser build has none (`node-jose-browser.ts`) and uses jose, the reference, instead.
 */
export interface FastJose {
  signCompact(header: JoseHeader, payload: Uint8Array, key: P256Jwk): string;
  /** `resolveKey` sees the header and payload before the signature is checked: to pick a key. */
  verifyCompact(
    jws: string,
    resolveKey: (header: JoseHeader, payload: Uint8Array) => P256Jwk,
  ): { header: JoseHeader; payload: Uint8Array };
  encryptCompact(header: JoseHeader, plaintext: Uint8Array, recipient: P256Jwk): string;
  decryptCompact(jwe: string, key: P256Jwk): { header: JoseHeader; plaintext: Uint8Array };
}
