import { Value } from '@sinclair/typebox/value';
import { generateProof } from 'dpop';
import { CompactSign } from 'jose';
import {
  DomicileError,
  TYP,
  api,
  decryptText,
  generateKeyPairJwk,
  SIGNING_ALG,
  peekHeader,
  verifyJson,
  type PrivateJwk,
  type PublicJwk,
} from '@domicile/protocol';
import { Applet } from './applet.js';
import { importDeviceKeys, publicJwkOf, type DeviceKeys } from './device-keys.js';
import { AppletState, SecureElementState } from './secure-element-state.js';

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

/**
 * The software secure element: the device's signing key (DPoP) and encryption key (ECDH-ES), and
 * one applet per credential. Its keys are WebCrypto keys that cannot be exported; the JWKs they
 * came from are kept only for a secure element loaded from the wallet file, whose `exportState`
 * writes them back into that encrypted file. A browser's keys never exist as JWKs at all.
 */
export class SecureElement implements DpopSigner {
  readonly #keys: DeviceKeys;
  readonly #jwks: { readonly signing: PrivateJwk; readonly encryption: PrivateJwk } | undefined;
  readonly #applets = new Map<string, Applet>();
  /** RFC 7638 thumbprint of the signing key: how every region knows this device. */
  readonly deviceJkt: string;
  readonly signingPublicKey: PublicJwk;
  readonly encryptionPublicKey: PublicJwk;

  private constructor(parts: {
    keys: DeviceKeys;
    jwks: { signing: PrivateJwk; encryption: PrivateJwk } | undefined;
    signing: PublicJwk;
    encryption: PublicJwk;
  }) {
    this.#keys = parts.keys;
    this.#jwks = parts.jwks;
    this.signingPublicKey = parts.signing;
    this.encryptionPublicKey = parts.encryption;
    this.deviceJkt = parts.signing.kid;
  }

  /** A new secure element with fresh device keys (as JWKs, for the wallet file) and no applets. */
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
    const jwks = { signing: state.signingKey as PrivateJwk, encryption: state.encryptionKey };
    return SecureElement.#load(await importDeviceKeys(jwks), jwks, state.applets);
  }

  /**
   * A secure element around keys held elsewhere (a browser's non-extractable keys in IndexedDB)
   * and the applets saved beside them; `exportState` refuses it, `exportApplets` saves it.
   */
  static async withKeys(keys: DeviceKeys, applets: readonly AppletState[]): Promise<SecureElement> {
    if (!applets.every((a) => Value.Check(AppletState, a)))
      throw new DomicileError('WALLET_LOCKED', { cause: 'applet state' });
    return SecureElement.#load(keys, undefined, applets);
  }

  static async #load(
    keys: DeviceKeys,
    jwks: { signing: PrivateJwk; encryption: PrivateJwk } | undefined,
    applets: readonly AppletState[],
  ): Promise<SecureElement> {
    const [signing, encryption] = await Promise.all([
      publicJwkOf(keys.signing.publicKey, 'sig'),
      publicJwkOf(keys.encryption.publicKey, 'enc'),
    ]);
    const se = new SecureElement({ keys, jwks, signing, encryption });
    for (const applet of applets) se.#applets.set(applet.tokenRef, new Applet(applet));
    return se;
  }

  /**
   * Signs a device approval (a join request of another device, bound to its key thumbprint and
   * short code) with this device's own key, the one its DPoP proofs carry.
   */
  signDeviceApproval(claims: api.DeviceApprovalClaims): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: SIGNING_ALG, typ: api.DEVICE_APPROVAL_TYP, kid: this.deviceJkt })
      .sign(this.#keys.signing.privateKey);
  }

  /** A fresh DPoP proof for one request: new `jti`, current `iat`, `htu` without query. */
  dpopProof(htm: string, htu: string): Promise<string> {
    return generateProof(this.#keys.signing, htu, htm);
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
      this.#keys.encryption.privateKey,
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

  /** The applets' state, for whoever keeps the keys elsewhere (a browser's store). */
  exportApplets(): AppletState[] {
    return this.applets().map((a) => a.exportState());
  }

  /**
   * The full state, private keys included: only for the encrypted wallet file, and only for a
   * secure element it loaded (one made `withKeys` has no key that could be written out).
   */
  exportState(): SecureElementState {
    if (this.#jwks === undefined)
      throw new DomicileError('INTERNAL', { cause: 'device keys are not extractable' });
    return {
      signingKey: { ...this.#jwks.signing },
      encryptionKey: { ...this.#jwks.encryption },
      applets: this.exportApplets(),
    };
  }
}
