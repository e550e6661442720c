/**
 * The crypto floor: every signature, verification, key agreement, encryption, hash and MAC one
 * provisioning flow performs, device side and region side, run in one process with no HTTP and
 * no database. A flow over HTTP cannot be faster than this on the same machine. The region's own
 * functions are called (vault, TSM, redirect assertion, token keys, card art) so the floor follows
 * the code when it changes.
 *
 * One home flow (read from `packages/region/src` and `packages/device/src`):
 *  1. DPoP proofs (ES256 sign, device) and their verification (ES256 verify with the key in the
 *     proof's header, region): one per request — provisioning message, eligibility, terms, card
 *     details, tokenize, and one `GET /v1/notifications` (the fewest polls a flow can need): 6 of
 *     each. The region imports a device key and takes its RFC 7638 thumbprint once per device
 *     (`auth/device-key-cache.ts`): once per flow, as every flow is a new device.
 *  2. Idempotency: SHA-256 of method, path and body for each of the 5 POSTs.
 *  3. Terms: SHA-256 of the text, twice by the region (stored, then sent), once by the device.
 *  4. Card details: JWE (ECDH-ES+A256KW, A256GCM) to the region's encryption key by the device;
 *     decrypted by the region.
 *  5. Vault: HMAC-SHA-256 of the card number twice (de-duplication, then inside the seal), one
 *     AES-256-GCM encryption under a fresh data key, and its RFC 5649 key wrap under the KEK.
 *  6. Tokenization: the ICC master key derived from the issuer master key (EMV option A, 3DES),
 *     the card art rendered and hashed (SHA-256), the provisioning payload signed (ES256 JWS)
 *     and encrypted to the device (JWE, ECDH-ES).
 *  7. TSM: the personalization script built, schema-checked and signed (ES256), and hashed.
 *  8. Secure element: the provisioning data decrypted (ECDH-ES) and its JWS verified (ES256).
 *
 * A redirected flow adds: one more DPoP proof and verification and one more request hash (the
 * message to the owning region), the home region's pairwise pseudonym (HMAC) and redirect
 * assertion (ES256 sign), the device's check of the assertion (ES256 verify), and the owning
 * region's verification of it (ES256 verify).
 */
import { createHash, randomBytes } from 'node:crypto';
import { SecureElement, checkRedirect, parseCardInput } from '@domicile/device';
import {
  TYP,
  buildDirectoryDocument,
  decryptText,
  encryptJson,
  generateKeyPairJwk,
  last4Of,
  routingPrefixOf,
  signDirectory,
  signJson,
  verifyDirectory,
  verifyJwt,
  type Directory,
  type api,
} from '@domicile/protocol';
import {
  TEST_CARDS,
  activePrivateJwk,
  generateRegionKeySet,
  publicKeysOf,
  type FileRegionKeySet,
  type TestCard,
} from '@domicile/region';
import {
  FileJwsSigner,
  SANDBOX_PRODUCTS,
  Tsm,
  Vault,
  assetHash,
  deriveTokenMasterKey,
  deviceKeyThumbprint,
  drawTokenNumber,
  embeddedDeviceKey,
  issueRedirectAssertion,
  pairwisePseudonym,
  pseudonymKeysOf,
  renderCardArt,
  verifyRedirectAssertion,
  type CardProduct,
} from '@domicile/region/internals';
import type { Workload } from '../workloads/workload.js';

/** Requests of a home flow, as `provisioning-workload.ts` makes them (the POSTs first). */
const HOME_REQUESTS: readonly (readonly [string, string])[] = [
  ['POST', '/v1/provisioning'],
  ['POST', '/v1/provisioning/s/eligibility'],
  ['POST', '/v1/provisioning/s/terms'],
  ['POST', '/v1/provisioning/s/card'],
  ['POST', '/v1/provisioning/s/tokenize'],
  ['GET', '/v1/notifications'],
];

const REGIONS = [
  {
    id: 'us',
    name: 'US',
    baseUrl: 'http://127.0.0.1:1',
    routing: [
      { from: '400000', to: '449999' },
      { from: '510000', to: '529999' },
    ],
    tokenRanges: [{ from: '489000', to: '489099' }],
  },
  {
    id: 'cn',
    name: 'CN',
    baseUrl: 'http://127.0.0.1:2',
    routing: [{ from: '620000', to: '629999' }],
    tokenRanges: [{ from: '489200', to: '489299' }],
  },
];

interface Keys {
  readonly directory: Directory;
  readonly home: FileRegionKeySet;
  readonly owner: FileRegionKeySet;
  /** Built once, as the region's composition root does. */
  readonly vault: Vault;
  readonly tsm: Tsm;
}

/** The crypto of one provisioning flow per operation (home card, or redirected to `cn`). */
export class CryptoFloorWorkload implements Workload {
  readonly #redirected: boolean;
  #keys: Keys | undefined;
  #devices: SecureElement[] = [];

  constructor(options: { redirected: boolean }) {
    this.#redirected = options.redirected;
  }

  async prepare(operations: number): Promise<void> {
    const [us, cn] = await Promise.all([generateRegionKeySet('us'), generateRegionKeySet('cn')]);
    const authority = await generateKeyPairJwk('sig');
    const doc = buildDirectoryDocument(
      { regions: REGIONS },
      new Map([
        ['us', publicKeysOf(us)],
        ['cn', publicKeysOf(cn)],
      ]),
      { serial: 1 },
    );
    const directory = await verifyDirectory(
      await signDirectory(doc, authority.privateJwk),
      authority.publicJwk,
    );
    const owner = this.#redirected ? cn : us;
    this.#keys = {
      directory,
      home: us,
      owner,
      vault: Vault.fromKeySet(owner),
      tsm: new Tsm({
        region: owner.region,
        signer: new FileJwsSigner(activePrivateJwk(owner, 'tsm')),
      }),
    };
    // A fresh device per flow, as over HTTP: the region imports a key it has not seen before.
    this.#devices = [];
    for (let i = 0; i < operations; i++) this.#devices.push(await SecureElement.create());
  }

  async run(index: number): Promise<void> {
    const keys = this.#keys;
    const se = this.#devices[index];
    if (keys === undefined || se === undefined)
      throw new Error('operation without a prepared device');
    const ownerId = keys.owner.region;
    const card = greenCard(ownerId, index);
    const { details, network } = parseCardInput({
      pan: card.pan,
      expiry: card.expiry,
      cvv: card.cvv,
      name: card.name,
    });
    const message = { routingPrefix: routingPrefixOf(details.pan), last4: last4Of(details.pan) };
    const requests = this.#redirected
      ? [HOME_REQUESTS[0] ?? ['POST', '/'], ...HOME_REQUESTS]
      : HOME_REQUESTS;
    for (const [method, path] of requests)
      await dpopRoundTrip(se, method, `http://127.0.0.1:1${path}`);
    if (this.#redirected) await redirect(keys, se, message);

    const product = productOf(card);
    // The region hashes the terms twice (stored, then sent), the device once to check them.
    for (let i = 0; i < 3; i++) termsHash(product.terms.text);
    const jwe = await encryptJson(details, publicKeysOf(keys.owner).encryption, TYP.cardDetails);
    await decryptText(
      jwe,
      activePrivateJwk(keys.owner, 'encryption'),
      TYP.cardDetails,
      'CARD_DETAILS_UNREADABLE',
    );
    keys.vault.panHash(details.pan);
    const sealed = await keys.vault.seal({
      pan: details.pan,
      expiry: details.expiry,
      name: details.name,
    });

    const tokenNumber = drawTokenNumber(REGIONS.find((r) => r.id === ownerId)?.tokenRanges ?? []);
    const art = assetHash(Buffer.from(renderCardArt(product, network), 'utf8'));
    const tokenRef = randomBytes(16).toString('base64url');
    const sessionId = randomBytes(16).toString('base64url');
    const payload: api.ProvisioningPayload = {
      region: ownerId,
      sessionId,
      tokenRef,
      tokenNumber,
      tokenExpiry: { month: 12, year: 2030 },
      panSequenceNumber: '00',
      iccMasterKey: deriveTokenMasterKey(keys.owner.secrets.issuerMasterKey, tokenNumber, '00'),
      atcStart: 0,
      network,
      last4: message.last4,
      deviceJkt: se.deviceJkt,
      issuedAt: Math.floor(Date.now() / 1000),
    };
    const signed = await signJson(
      payload,
      activePrivateJwk(keys.owner, 'signing'),
      TYP.provisioningPayload,
    );
    const provisioningData = await encryptJson(
      signed,
      se.encryptionPublicKey,
      TYP.provisioningData,
    );
    await keys.tsm.buildScript({
      scriptId: sealed.id,
      tokenRef,
      product,
      artwork: { assetId: sealed.id, sha256: art },
    });
    await se.installCredential(provisioningData, publicKeysOf(keys.owner).signing, {
      region: ownerId,
      sessionId,
      tokenRef,
      last4: message.last4,
      network,
    });
  }

  close(): Promise<void> {
    this.#devices = [];
    return Promise.resolve();
  }
}

/** A device's DPoP proof, verified as the region's `verifyDpopProof` does, and the POST's request hash. */
async function dpopRoundTrip(se: SecureElement, method: string, url: string): Promise<void> {
  const proof = await se.dpopProof(method, url);
  const verified = await verifyJwt(proof, {
    typ: TYP.dpop,
    now: new Date(),
    key: embeddedDeviceKey,
  });
  await deviceKeyThumbprint(verified.header.jwk ?? {});
  if (method === 'POST') createHash('sha256').update(`${method} ${url}\n{}`).digest('base64url');
}

/** The home region's assertion, the device's check of it, and the owning region's verification. */
async function redirect(
  keys: Keys,
  se: SecureElement,
  message: { routingPrefix: string; last4: string },
): Promise<void> {
  const now = new Date();
  const { assertion } = await issueRedirectAssertion({
    homeRegion: 'us',
    targetRegion: keys.owner.region,
    signer: new FileJwsSigner(activePrivateJwk(keys.home, 'signing')),
    deviceJkt: se.deviceJkt,
    message,
    now,
    subject: pairwisePseudonym(
      pseudonymKeysOf(keys.home.secrets).pseudonym,
      'account',
      keys.owner.region,
    ),
    standing: {
      registeredSince: Math.floor(now.getTime() / 1000),
      activeCredentials: 1,
      canTransact: true,
    },
  });
  const target = keys.directory.region(keys.owner.region);
  await checkRedirect({
    directory: keys.directory,
    homeRegion: 'us',
    message,
    deviceJkt: se.deviceJkt,
    redirect: { region: keys.owner.region, baseUrl: target?.baseUrl ?? '', assertion },
  });
  await verifyRedirectAssertion({
    assertion,
    directory: keys.directory,
    self: keys.owner.region,
    deviceJkt: se.deviceJkt,
    message,
    now,
  });
}

function greenCard(region: string, index: number): TestCard {
  const cards = TEST_CARDS.filter((c) => c.region === region && c.outcome === 'green');
  const card = cards[index % cards.length];
  if (card === undefined) throw new Error(`no green test card in ${region}`);
  return card;
}

function productOf(card: TestCard): CardProduct {
  const product = card.productId === undefined ? undefined : SANDBOX_PRODUCTS.get(card.productId);
  if (product === undefined) throw new Error('test card without a product');
  return product;
}

function termsHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
