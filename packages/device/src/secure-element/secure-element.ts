import { Value } from '@sinclair/typebox/value';
import { generateProof, type KeyPair } from 'dpop';
import {
  DomicileError,
  TYP,
  api,
  decryptText,
  generateKeyPairJwk,
  jwkThumbprint,
  peekHeader,
  signJson,
  toPublicJwk,
  verifyJson,
  type PrivateJwk,
  type PublicJwk,
} from '@domicile/protocol';
import { Applet } from './applet.js';
import { SecureElementState } from './secure-element-state.js';

/** What a provisioning data blob must be about, as the session that produced it says. */
export interface ExpectedCredential {
  readonly region: string;
  readonly sessionId: string;
  readonly tokenRef: string;
  readonly last4: string;
  readonly network: api.CredentialView['network'];
}

/** Something that can sign a DPoP proof (RFC 9449 §4.2) for one request. */
export interface DpopSigner {
  dpopProof(htm: string, htu: string): Promise<string>;
}

// The signing key is imported non-extractable: once loaded, WebCrypto itself refuses to export it.
async function importSigningPair(jwk: PrivateJwk): Promise<KeyPair> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey(
      'jwk',
      { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d },
      alg,
      false,
      ['sign'],
    ),
    crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, alg, true, [
      'verify',
    ]),
  ]);
  return { privateKey, publicKey };
}

/**
 * The software secure element: the device's signing key (DPoP) and encryption key (ECDH-ES), and
 * one applet per credential. Private keys never leave it except through `exportState`, which only
 * the encrypted wallet file calls.
 */
export class SecureElement implements DpopSigner {
  readonly #signingKey: PrivateJwk;
  readonly #encryptionKey: PrivateJwk;
  readonly #dpopPair: KeyPair;
  readonly #applets = new Map<string, Applet>();
  /** RFC 7638 thumbprint of the signing key: how every region knows this device. */
  readonly deviceJkt: string;

  private constructor(keys: {
    signing: PrivateJwk;
    encryption: PrivateJwk;
    dpop: KeyPair;
    jkt: string;
  }) {
    this.#signingKey = keys.signing;
    this.#encryptionKey = keys.encryption;
    this.#dpopPair = keys.dpop;
    this.deviceJkt = keys.jkt;
  }

  /** A new secure element with fresh device keys and no applets. */
  static async create(): Promise<SecureElement> {
    const [signing, encryption] = await Promise.all([
      generateKeyPairJwk('sig'),
      generateKeyPairJwk('enc'),
    ]);
    return SecureElement.restore({
      signingKey: signing.privateJwk,
      encryptionKey: encryption.privateJwk,
      applets: [],
    });
  }

  /** Loads a secure element from the wallet file's state. */
  static async restore(state: SecureElementState): Promise<SecureElement> {
    if (!Value.Check(SecureElementState, state))
      throw new DomicileError('WALLET_LOCKED', { cause: 'secure element state' });
    const signing = state.signingKey as PrivateJwk;
    const se = new SecureElement({
      signing,
      encryption: state.encryptionKey,
      dpop: await importSigningPair(signing),
      jkt: await jwkThumbprint(signing),
    });
    for (const applet of state.applets) se.#applets.set(applet.tokenRef, new Applet(applet));
    return se;
  }

  get signingPublicKey(): PublicJwk {
    return toPublicJwk(this.#signingKey);
  }

  get encryptionPublicKey(): PublicJwk {
    return toPublicJwk(this.#encryptionKey);
  }

  /**
   * Signs a device approval (a join request of another device, bound to its key thumbprint and
   * short code) with this device's own key, the one its DPoP proofs carry.
   */
  signDeviceApproval(claims: api.DeviceApprovalClaims): Promise<string> {
    return signJson(claims, this.#signingKey, api.DEVICE_APPROVAL_TYP);
  }

  /** A fresh DPoP proof for one request: new `jti`, current `iat`, `htu` without query. */
  dpopProof(htm: string, htu: string): Promise<string> {
    return generateProof(this.#dpopPair, htu, htm);
  }

  /**
   * Opens provisioning data (a JWE to the device encryption key around a JWS by the region's
   * signing key), checks it is about the expected credential and bound to this device, and
   * installs the applet. Installing the same token again returns the existing applet.
   */
  async installCredential(
    provisioningData: string,
    regionSigningKey: PublicJwk | ((kid: string | undefined) => Promise<PublicJwk>),
    expect: ExpectedCredential,
  ): Promise<Applet> {
    const jws = await decryptText(
      provisioningData,
      this.#encryptionKey,
      TYP.provisioningData,
      'SIGNATURE_INVALID',
    );
    // A region that rotates its signing key names the key in the JWS header: chosen by that kid.
    const key =
      typeof regionSigningKey === 'function'
        ? await regionSigningKey(peekHeader(jws)?.kid)
        : regionSigningKey;
    const payload = await verifyJson(jws, key, TYP.provisioningPayload, 'SIGNATURE_INVALID');
    if (!Value.Check(api.ProvisioningPayload, payload))
      throw new DomicileError('SIGNATURE_INVALID', { cause: 'payload schema' });
    const mismatch = (['region', 'sessionId', 'tokenRef', 'last4', 'network'] as const).find(
      (k) => payload[k] !== expect[k],
    );
    if (mismatch !== undefined)
      throw new DomicileError('SIGNATURE_INVALID', {
        cause: `payload ${mismatch} differs from the session`,
      });
    if (payload.deviceJkt !== this.deviceJkt)
      throw new DomicileError('SIGNATURE_INVALID', { cause: 'payload bound to another device' });
    const existing = this.#applets.get(payload.tokenRef);
    if (existing !== undefined) return existing;
    const applet = new Applet({
      tokenRef: payload.tokenRef,
      region: payload.region,
      sessionId: payload.sessionId,
      network: payload.network,
      last4: payload.last4,
      tokenNumber: payload.tokenNumber,
      tokenExpiry: payload.tokenExpiry,
      panSequenceNumber: payload.panSequenceNumber,
      iccMasterKey: payload.iccMasterKey,
      atc: payload.atcStart,
      state: 'pending_activation',
      installedAt: new Date().toISOString(),
    });
    this.#applets.set(applet.tokenRef, applet);
    return applet;
  }

  applet(tokenRef: string): Applet | undefined {
    return this.#applets.get(tokenRef);
  }

  applets(): readonly Applet[] {
    return [...this.#applets.values()];
  }

  /** The full state, private keys included: only for the encrypted wallet file. */
  exportState(): SecureElementState {
    return {
      signingKey: { ...this.#signingKey },
      encryptionKey: { ...this.#encryptionKey },
      applets: this.applets().map((a) => a.exportState()),
    };
  }
}
