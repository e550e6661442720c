import { DomicileError, isPublicP256Jwk, jwkThumbprint, type PublicJwk } from '@domicile/protocol';
import type { TrustedIssuerConfig } from '../../config/index.js';

/** An issuer the region trusts, as checked at start-up. */
export interface TrustedIssuer {
  readonly id: string;
  /** Its signing key; `kid` is the key's RFC 7638 thumbprint, whatever the configuration said. */
  readonly publicKey: PublicJwk;
  readonly webhookUrl: string | undefined;
  readonly productIds: ReadonlySet<string>;
}

const ISSUER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The issuers of a region's configuration, by key and by product. Checked once when the region
 * starts: a malformed entry, a private key, a shared key or a product claimed by two issuers is
 * `CONFIG_INVALID`, so no request is ever judged against an ambiguous configuration.
 */
export class TrustedIssuers {
  readonly #byKid: ReadonlyMap<string, TrustedIssuer>;
  readonly #byProduct: ReadonlyMap<string, TrustedIssuer>;
  readonly #byId: ReadonlyMap<string, TrustedIssuer>;

  private constructor(issuers: readonly TrustedIssuer[]) {
    const invalid = (reason: string): DomicileError =>
      new DomicileError('CONFIG_INVALID', { details: { reason } });
    const byKid = new Map<string, TrustedIssuer>();
    const byProduct = new Map<string, TrustedIssuer>();
    const byId = new Map<string, TrustedIssuer>();
    for (const issuer of issuers) {
      if (byId.has(issuer.id)) throw invalid(`issuer ${issuer.id} is listed twice`);
      if (byKid.has(issuer.publicKey.kid))
        throw invalid(`issuer ${issuer.id} shares its key with another issuer`);
      byId.set(issuer.id, issuer);
      byKid.set(issuer.publicKey.kid, issuer);
      for (const product of issuer.productIds) {
        if (byProduct.has(product)) throw invalid(`product ${product} belongs to two issuers`);
        byProduct.set(product, issuer);
      }
    }
    this.#byKid = byKid;
    this.#byProduct = byProduct;
    this.#byId = byId;
  }

  /** Checks and indexes the configured issuers (none: the issuer API refuses every request). */
  static async fromConfig(configs: readonly TrustedIssuerConfig[] = []): Promise<TrustedIssuers> {
    const issuers: TrustedIssuer[] = [];
    for (const c of configs) {
      const invalid = (reason: string): DomicileError =>
        new DomicileError('CONFIG_INVALID', { details: { reason: `issuer ${c.id}: ${reason}` } });
      if (!ISSUER_ID.test(c.id))
        throw new DomicileError('CONFIG_INVALID', {
          details: { reason: 'an issuer id is not 1-64 of A-Z a-z 0-9 _ . -' },
        });
      if (!isPublicP256Jwk(c.publicKey)) throw invalid('publicKey must be a public P-256 JWK');
      if (c.webhookUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(c.webhookUrl))
        throw invalid('webhookUrl must be an http(s) URL');
      const { kty, crv, x, y } = c.publicKey;
      const publicKey: PublicJwk = { kty, crv, x, y, kid: await jwkThumbprint(c.publicKey) };
      issuers.push({
        id: c.id,
        publicKey,
        webhookUrl: c.webhookUrl,
        productIds: new Set(c.productIds),
      });
    }
    return new TrustedIssuers(issuers);
  }

  /** The issuer whose key has this thumbprint (the `kid` of its requests). */
  byKid(kid: string): TrustedIssuer | undefined {
    return this.#byKid.get(kid);
  }

  byId(id: string): TrustedIssuer | undefined {
    return this.#byId.get(id);
  }

  /** The issuer of a card product: who may act on its tokens and who hears of them. */
  forProduct(productId: string): TrustedIssuer | undefined {
    return this.#byProduct.get(productId);
  }
}
