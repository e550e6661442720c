import { activeKey, epochSeconds, type KeyValidity, type PublicJwk } from '@domicile/protocol';
import type { JwsSigner } from './jws-signer.js';

/** A signer for one key of a purpose, with that key's validity. */
export interface ListedSigner extends KeyValidity {
  readonly signer: JwsSigner;
}

/**
 * The signer of a purpose whose keys rotate: each signature is made by the newest active key at
 * that moment (`activeKey`), so a key rotated with a later `notBefore` takes over on time without
 * a restart, and `kid`/`publicJwk` name the key the next signature will use.
 */
export class NewestKeySigner implements JwsSigner {
  readonly #keys: readonly ListedSigner[];
  readonly #now: () => number;

  constructor(keys: readonly ListedSigner[], now: () => number = () => epochSeconds()) {
    this.#keys = keys;
    this.#now = now;
  }

  get kid(): string {
    return this.#current().kid;
  }

  get publicJwk(): PublicJwk {
    return this.#current().publicJwk;
  }

  sign(payload: object, typ: string): Promise<string> {
    return this.#current().sign(payload, typ);
  }

  #current(): JwsSigner {
    const listed = activeKey(this.#keys, this.#now());
    // Checked at start (the region refuses a key file whose keys have all expired); a region
    // left running past every notAfter keeps signing with its newest key rather than failing.
    const signer = listed?.signer ?? this.#keys.at(-1)?.signer;
    if (signer === undefined) throw new Error('a NewestKeySigner needs at least one key');
    return signer;
  }
}
