/**
 * The primitive floor: the irreducible work one operation costs the region (or regions), done with
 * node:crypto's synchronous primitives and the durable commits the operation needs at the least,
 * in one process, no HTTP, no JOSE library, no schema checks. The region's CPU per operation is
 * judged against it (the issue's targets: ≤ 2×). Device-side work (signing DPoP proofs,
 * encrypting card details, opening the provisioning data) is prepared outside the timing: it is
 * not the region's.
 *
 * What counts, read from `packages/region/src` (sizes as the protocol sends them):
 *
 * Home flow, one region:
 *  - 6 ES256 verifications of DPoP proofs (5 POSTs and one notifications poll), one RFC 7638
 *    thumbprint (SHA-256) of the new device's key, and a SHA-256 request hash per POST (5).
 *  - The terms' SHA-256 twice (stored, then sent).
 *  - Card details in: ECDH-ES (one P-256 agreement), the Concat KDF (one SHA-256), AES-256 key
 *    unwrap (RFC 3394), AES-256-GCM decryption.
 *  - Vault: HMAC-SHA-256 of the card number twice (de-duplication, seal), a fresh 32-byte data key,
 *    AES-256-GCM encryption, RFC 5649 wrap under the KEK.
 *  - Token: the ICC master key (EMV option A, 3DES), the card art's SHA-256, the provisioning
 *    payload signed (ES256) and encrypted to the device (one P-256 key generation, one agreement,
 *    the KDF, key wrap, AES-256-GCM), the personalization script signed (ES256) and hashed.
 *  - 5 durable commits, one per POST: each POST changes state the device may already rely on
 *    (session, eligibility decision, accepted terms, sealed card, token with its notification
 *    and TSM job), so each must be on disk before its answer.
 *
 * Redirected flow, both regions: the home flow's work at the owning region, plus at the home
 * region one DPoP verification, one request hash, the pairwise pseudonym (HMAC-SHA-256), the
 * redirect assertion signed (ES256) and one commit (the residency index), and at the owning
 * region the assertion's verification (ES256).
 *
 * Authorization, one region: the network's ES256 signature verified, the request's SHA-256
 * digest (duplicate transmission), the ARQC recomputed (ICC master key, session key, retail MAC:
 * 3DES) and the ARPC made (3DES), the card de-tokenized for the issuer (its data key unwrapped
 * under the KEK, RFC 5649, and the vault record's AES-256-GCM opened: DESIGN step 7 hands the
 * issuer the card number, which only the vault holds), and 2 durable commits: the ATC claim
 * before the issuer is asked (so a replay can never be approved twice) and the decision after.
 *
 * Commits go to a SQLite file in WAL mode with `synchronous = FULL`, the region's default; each
 * is one small row.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { arpcMethod2, iccMasterKey, toCvn18Data, verifyArqc } from '@domicile/protocol';
import type { Workload } from '../workloads/workload.js';

export type PrimitiveFloorKind = 'home' | 'redirected' | 'authorization';

const P1363 = 'ieee-p1363' as const;
const A6 = Buffer.alloc(8, 0xa6);
/** RFC 5649's alternative initial value, as the region's vault wraps data keys. */
const VAULT_WRAP_IV = Buffer.from('a65959a6', 'hex');

interface SealedJwe {
  readonly epk: string;
  readonly wrappedKey: Buffer;
  readonly iv: Buffer;
  readonly ct: Buffer;
  readonly tag: Buffer;
}

interface SignedJws {
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

/** What the devices and the network prepared for one operation (not the region's work). */
interface Prepared {
  readonly dpop: readonly SignedJws[];
  readonly deviceJwk: string;
  /** ECDH-ES+A256KW, A256GCM, as the device encrypts card details; `epk` as the JWE header carries it. */
  readonly cardDetails: SealedJwe;
  readonly devicePublicKey: string;
  readonly network: SignedJws;
  /** The card's vault record, sealed at tokenization: not the authorization's work. */
  readonly vaultRecord: SealedRecord;
}

interface SealedRecord {
  readonly wrappedKey: Buffer;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

export class PrimitiveFloorWorkload implements Workload {
  readonly #kind: PrimitiveFloorKind;
  readonly #dir = mkdtempSync(join(tmpdir(), 'domicile-floor-'));
  readonly #db = new Database(join(this.#dir, 'floor.db'));
  readonly #insert;
  readonly #regionSigning = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  readonly #regionEncryption = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  readonly #deviceSigning = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // A KeyObject, as the vault holds its KEK: raw bytes cost node:crypto two thrown errors a call.
  readonly #kek = createSecretKey(randomBytes(32));
  readonly #hmacKey = randomBytes(32);
  readonly #imk = randomBytes(16);
  readonly #prepared = new Map<number, Prepared>();

  constructor(options: { kind: PrimitiveFloorKind }) {
    this.#kind = options.kind;
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec('create table commits (id integer primary key, body text not null)');
    this.#insert = this.#db.prepare('insert into commits (body) values (?)');
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  prepareBatch(first: number, count: number): Promise<void> {
    for (let i = first; i < first + count; i++) this.#prepared.set(i, this.#prepareOne());
    return Promise.resolve();
  }

  run(index: number): Promise<void> {
    const prepared = this.#prepared.get(index);
    if (prepared === undefined) throw new Error('operation without prepared inputs');
    this.#prepared.delete(index);
    if (this.#kind === 'authorization') this.#authorization(prepared);
    else this.#provisioning(prepared, this.#kind === 'redirected');
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#db.close();
    rmSync(this.#dir, { recursive: true, force: true });
    return Promise.resolve();
  }

  #provisioning(p: Prepared, redirected: boolean): void {
    if (redirected) {
      // The home region: the message's proof, its hash, the pseudonym, the assertion, one commit.
      this.#verify(p.dpop[0], importJwk(p.deviceJwk));
      sha256('x'.repeat(300));
      createHmac('sha256', this.#hmacKey).update('account:cn').digest();
      const assertion = this.#sign('x'.repeat(600));
      this.#commit();
      this.#verify(assertion, this.#regionSigning.publicKey);
    }
    // A new device: its key is imported and thumbprinted once, then every proof checked with it.
    const deviceKey = importJwk(p.deviceJwk);
    sha256(p.deviceJwk);
    for (const proof of p.dpop) this.#verify(proof, deviceKey);
    for (let i = 0; i < 5; i++) sha256('x'.repeat(i === 3 ? 900 : 200));
    for (let i = 0; i < 2; i++) sha256(TERMS);

    const details = openJwe(this.#regionEncryption.privateKey, p.cardDetails);
    const pan = details.subarray(0, 16).toString();
    for (let i = 0; i < 2; i++) createHmac('sha256', this.#hmacKey).update(pan).digest();
    const dataKey = randomBytes(32);
    gcm(dataKey, details);
    const wrapper = createCipheriv('id-aes256-wrap-pad', this.#kek, VAULT_WRAP_IV);
    Buffer.concat([wrapper.update(dataKey), wrapper.final()]);

    iccMasterKey({ imk: this.#imk, pan: '4890001234567890', psn: '00' });
    sha256(CARD_ART);
    const payload = this.#sign('x'.repeat(700));
    sealJwe(importJwk(p.devicePublicKey), Buffer.concat([payload.signingInput, payload.signature]));
    const script = this.#sign('x'.repeat(1500));
    sha256(script.signingInput);
    for (let i = 0; i < 5; i++) this.#commit();
  }

  #authorization(p: Prepared): void {
    this.#verify(p.network, this.#regionSigning.publicKey);
    sha256(p.network.signingInput);
    const data = toCvn18Data(CVN18_DATA);
    const arqc = Buffer.alloc(8);
    // The device's ARQC is not prepared: only the region's recomputation and comparison count.
    verifyArqc({ cvn: 18, imk: this.#imk, pan: '4890001234567890', psn: '00', atc: 1, data, arqc });
    arpcMethod2({ sessionKey: randomBytes(16), arqc, csu: Buffer.alloc(4) });
    const record = p.vaultRecord;
    // The data key as a KeyObject too, as the vault opens a record.
    const unwrap = createDecipheriv('id-aes256-wrap-pad', this.#kek, VAULT_WRAP_IV);
    const dataKey = Buffer.concat([unwrap.update(record.wrappedKey), unwrap.final()]);
    const decipher = createDecipheriv('aes-256-gcm', createSecretKey(dataKey), record.iv);
    decipher.setAuthTag(record.tag);
    JSON.parse(Buffer.concat([decipher.update(record.ciphertext), decipher.final()]).toString());
    this.#commit();
    this.#commit();
  }

  #prepareOne(): Prepared {
    const device = this.#deviceSigning.privateKey;
    const dpop = Array.from({ length: 6 }, () => signJws(device, 'x'.repeat(220)));
    return {
      dpop,
      deviceJwk: jwkOf(this.#deviceSigning.publicKey),
      cardDetails: sealJwe(this.#regionEncryption.publicKey, Buffer.from(CARD_DETAILS)),
      devicePublicKey: jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
      // The network's request is signed by the network; the floor verifies with a key it holds.
      network: signJws(this.#regionSigning.privateKey, 'x'.repeat(800)),
      vaultRecord: this.#sealRecord(),
    };
  }

  #sealRecord(): SealedRecord {
    const dataKey = randomBytes(32);
    const wrap = createCipheriv('id-aes256-wrap-pad', this.#kek, VAULT_WRAP_IV);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    return {
      wrappedKey: Buffer.concat([wrap.update(dataKey), wrap.final()]),
      iv,
      ciphertext: Buffer.concat([cipher.update(CARD_DETAILS), cipher.final()]),
      tag: cipher.getAuthTag(),
    };
  }

  #verify(jws: SignedJws | undefined, key: KeyObject): void {
    if (jws === undefined) throw new Error('nothing to verify');
    const ok = verify('sha256', jws.signingInput, { key, dsaEncoding: P1363 }, jws.signature);
    if (!ok) throw new Error('floor signature did not verify');
  }

  #sign(claims: string): SignedJws {
    return signJws(this.#regionSigning.privateKey, claims);
  }

  #commit(): void {
    this.#insert.run('x'.repeat(200));
  }
}

const TERMS = 'Terms and conditions. '.repeat(60);
const CARD_ART = '<svg/>'.padEnd(2500, ' ');
const CARD_DETAILS = JSON.stringify({
  pan: '4000000000000002',
  expiry: { month: 12, year: 2030 },
  cvv: '123',
  name: 'A. Cardholder',
});
const CVN18_DATA = {
  '9F02': Buffer.alloc(6),
  '9F03': Buffer.alloc(6),
  '9F1A': Buffer.alloc(2),
  '95': Buffer.alloc(5),
  '5F2A': Buffer.alloc(2),
  '9A': Buffer.alloc(3),
  '9C': Buffer.alloc(1),
  '9F37': Buffer.alloc(4),
  '82': Buffer.alloc(2),
  '9F10': Buffer.alloc(32),
};

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function signJws(key: KeyObject, claims: string): SignedJws {
  const signingInput = Buffer.from(
    `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(claims).toString('base64url')}`,
  );
  return { signingInput, signature: sign('sha256', signingInput, { key, dsaEncoding: P1363 }) };
}

function gcm(key: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** ECDH-ES+A256KW key agreement and the Concat KDF's single SHA-256 round (RFC 7518 §4.6). */
function agreedKek(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  const z = diffieHellman({ privateKey, publicKey });
  return sha256(Buffer.concat([Buffer.from([0, 0, 0, 1]), z, Buffer.from('ECDH-ES+A256KW')]));
}

function sealJwe(recipient: KeyObject, plaintext: Buffer): SealedJwe {
  const epk = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cek = randomBytes(32);
  const wrap = createCipheriv('id-aes256-wrap', agreedKek(epk.privateKey, recipient), A6);
  const wrappedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { epk: jwkOf(epk.publicKey), wrappedKey, iv, ct, tag: cipher.getAuthTag() };
}

function openJwe(recipient: KeyObject, jwe: SealedJwe): Buffer {
  const unwrap = createDecipheriv('id-aes256-wrap', agreedKek(recipient, importJwk(jwe.epk)), A6);
  const cek = Buffer.concat([unwrap.update(jwe.wrappedKey), unwrap.final()]);
  const decipher = createDecipheriv('aes-256-gcm', cek, jwe.iv);
  decipher.setAuthTag(jwe.tag);
  return Buffer.concat([decipher.update(jwe.ct), decipher.final()]);
}

function jwkOf(key: KeyObject): string {
  return JSON.stringify(key.export({ format: 'jwk' }));
}

/** Keys travel as JWKs (DPoP headers, JWE `epk`): importing one is part of the region's cost. */
function importJwk(jwk: string): KeyObject {
  return createPublicKey({ key: JSON.parse(jwk) as JsonWebKey, format: 'jwk' });
}
