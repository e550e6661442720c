import { createHash, createPublicKey, verify } from 'node:crypto';
import {
  DomicileError,
  SIGNING_ALG,
  definedProps,
  jwkThumbprint,
  type PublicJwk,
} from '@domicile/protocol';
import { jwsSigningInput, type JwsSigner } from '../jws-signer.js';
import type { Pkcs11Handle } from './pkcs11-binding.js';
import { findSigningKeyPair, type Pkcs11KeyPurpose } from './pkcs11-key-lookup.js';
import type { Pkcs11Token } from './pkcs11-token.js';
import { ecPointToJwk, type EcPublicJwkMembers } from './ec-point.js';

const SIGNATURE_LENGTH = 64; // ES256: r || s, 32 bytes each (RFC 7518 §3.4)

/**
 * A {@link JwsSigner} whose P-256 private key never leaves a PKCS#11 token. The token signs the
 * SHA-256 of the JWS signing input with `CKM_ECDSA`, which returns r || s: the very JWS signature
 * format, so there is no DER to convert. The `kid` is the RFC 7638 thumbprint of the public key,
 * as for a key made by `generateKeyPairJwk`.
 */
export class Pkcs11JwsSigner implements JwsSigner {
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly #token: Pkcs11Token;
  readonly #privateKey: Pkcs11Handle;

  private constructor(token: Pkcs11Token, privateKey: Pkcs11Handle, publicJwk: PublicJwk) {
    this.kid = publicJwk.kid;
    this.publicJwk = publicJwk;
    this.#token = token;
    this.#privateKey = privateKey;
  }

  /**
   * The signer of the key pair under `label`. Signs once to prove the pair works and belongs
   * together, so a broken key fails here (`HSM_KEY_UNSUITABLE`), not at the first request.
   * `options.expected` is the public half the directory lists for it (from the key file): the
   * signer takes its `kid`, and a token key that is another key is refused (`not_the_listed_key`).
   */
  static async open(
    token: Pkcs11Token,
    label: string,
    purpose: Pkcs11KeyPurpose = 'signing',
    options: { readonly expected?: PublicJwk } = {},
  ): Promise<Pkcs11JwsSigner> {
    const pair = await token.withSession((session) =>
      findSigningKeyPair(token, session, label, purpose),
    );
    const refuse = (reason: string, cause?: unknown): DomicileError =>
      new DomicileError('HSM_KEY_UNSUITABLE', {
        details: { purpose, label, reason },
        ...definedProps({ cause }),
      });
    let members: EcPublicJwkMembers;
    try {
      members = ecPointToJwk(pair.ecPoint);
    } catch (cause) {
      throw refuse('public_key_invalid', cause);
    }
    const { expected } = options;
    if (expected !== undefined && (expected.x !== members.x || expected.y !== members.y))
      throw refuse('not_the_listed_key');
    const kid = expected?.kid ?? (await jwkThumbprint(members));
    const publicJwk: PublicJwk = { ...members, kid, alg: SIGNING_ALG, use: 'sig' };
    const signer = new Pkcs11JwsSigner(token, pair.privateKey, publicJwk);
    const probe = Buffer.from(`${label} self-test`);
    const signature = await signer
      .#signDigest(createHash('sha256').update(probe).digest())
      .catch((cause: unknown) => {
        throw refuse('sign_failed', cause);
      });
    const key = createPublicKey({ key: { ...members }, format: 'jwk' });
    if (!verify('sha256', probe, { key, dsaEncoding: 'ieee-p1363' }, signature))
      throw refuse('public_key_mismatch');
    return signer;
  }

  async sign(payload: object, typ: string): Promise<string> {
    const input = jwsSigningInput(payload, this.kid, typ);
    const signature = await this.#signDigest(createHash('sha256').update(input).digest());
    return `${input}.${signature.toString('base64url')}`;
  }

  #signDigest(digest: Buffer): Promise<Buffer> {
    const { pkcs11, binding } = this.#token;
    return this.#token
      .withSession((session) => {
        pkcs11.C_SignInit(session, { mechanism: binding.CKM_ECDSA }, this.#privateKey);
        return pkcs11.C_SignAsync(session, digest, Buffer.alloc(SIGNATURE_LENGTH));
      })
      .then((signature) => {
        if (signature.length !== SIGNATURE_LENGTH) throw new Error('not a P-256 signature');
        return signature;
      })
      .catch((cause: unknown) => {
        if (cause instanceof DomicileError) throw cause;
        throw new DomicileError('INTERNAL', { details: { reason: 'hsm_sign_failed' }, cause });
      });
  }
}
