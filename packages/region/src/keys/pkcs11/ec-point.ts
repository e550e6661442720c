import { createPublicKey } from 'node:crypto';

/** `CKA_EC_PARAMS` of P-256: the DER of its named-curve OID 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1). */
export const P256_EC_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

const POINT_LENGTH = 65; // 0x04 || X || Y, uncompressed (SEC 1 §2.3.3)

/** The public members of a P-256 JWK (RFC 7518 §6.2.1), without `kid`. */
export interface EcPublicJwkMembers {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/**
 * The JWK of a P-256 public key from its `CKA_EC_POINT`. PKCS#11 §2.3.3 says the point is a DER
 * OCTET STRING around the uncompressed point; some tokens return the bare point, so both are
 * read. Throws when it is neither, or when the point is not on the curve.
 */
export function ecPointToJwk(ecPoint: Buffer): EcPublicJwkMembers {
  const isDer = ecPoint.length === POINT_LENGTH + 2 && ecPoint[0] === 0x04 && ecPoint[1] === 0x41;
  const point = isDer ? ecPoint.subarray(2) : ecPoint;
  if (point.length !== POINT_LENGTH || point[0] !== 0x04)
    throw new Error('CKA_EC_POINT is not an uncompressed P-256 point');
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  } as const;
  // Rejects a point off the curve, which no signature could ever verify against.
  createPublicKey({ key: jwk, format: 'jwk' });
  return jwk;
}
