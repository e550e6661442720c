import {
  SIGNING_ALG,
  signJson,
  toPublicJwk,
  type PrivateJwk,
  type PublicJwk,
} from '@domicile/protocol';

/**
 * A region key that signs compact JWS (ES256), wherever its private half lives: a key file
 * ({@link FileJwsSigner}) or an HSM (`Pkcs11JwsSigner`). Call sites sign through this instead of
 * holding a private JWK, so moving a key into an HSM changes no caller.
 */
export interface JwsSigner {
  /** The `kid` put in every protected header: the key's id in the directory. */
  readonly kid: string;
  /** The public half, as the directory publishes it. */
  readonly publicJwk: PublicJwk;
  /** Signs a JSON payload as a compact JWS with header `{ alg: 'ES256', typ, kid }`. */
  sign(payload: object, typ: string): Promise<string>;
}

/** A {@link JwsSigner} over a private JWK from the region key file: exactly `signJson`. */
export class FileJwsSigner implements JwsSigner {
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly #privateJwk: PrivateJwk;

  constructor(privateJwk: PrivateJwk) {
    this.kid = privateJwk.kid;
    this.publicJwk = toPublicJwk(privateJwk);
    this.#privateJwk = privateJwk;
  }

  sign(payload: object, typ: string): Promise<string> {
    return signJson(payload, this.#privateJwk, typ);
  }
}

/**
 * The JWS signing input (RFC 7515 §5.1) for a signer whose key cannot be handed to jose: the
 * same protected header, in the same member order, and the same payload encoding as `signJson`,
 * so a verifier cannot tell which kind of signer made a JWS.
 */
export function jwsSigningInput(payload: object, kid: string, typ: string): string {
  const header = Buffer.from(JSON.stringify({ alg: SIGNING_ALG, typ, kid })).toString('base64url');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
}
