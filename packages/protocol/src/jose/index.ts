export { CONTENT_ENCRYPTION, KEY_AGREEMENT_ALG, SIGNING_ALG, TYP } from './algorithms.js';
export {
  generateKeyPairJwk,
  importKey,
  isPublicP256Jwk,
  jwkThumbprint,
  toPublicJwk,
  type KeyPairJwk,
  type KeyUse,
  type PrivateJwk,
  type PublicJwk,
} from './keys.js';
export {
  decryptText,
  encryptJson,
  peekHeader,
  signJson,
  verifyJson,
  verifyJws,
  type JWK,
  type JwsKeyResolver,
} from './compact.js';
export type { JoseHeader } from './fast-jose.js';
export { JwtExpired, verifyJwt, type JwtCheck } from './jwt.js';
