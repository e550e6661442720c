import { Value } from '@sinclair/typebox/value';
import {
  CompactSign,
  GeneralSign,
  compactVerify,
  decodeProtectedHeader,
  generalVerify,
  type GeneralJWS,
} from 'jose';
import { DomicileError } from '../errors/index.js';
import { SIGNING_ALG, TYP, importKey, type PrivateJwk, type PublicJwk } from '../jose/index.js';
import {
  DirectoryDocumentSchema,
  DirectoryDocumentV1Schema,
  type DirectoryDocument,
  type DirectoryDocumentV1,
} from './directory-schema.js';
import { Directory, directoryProblems } from './directory.js';
import { epochSeconds, isKeyAccepted } from './key-validity.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Signs the directory with the authority key: a compact JWS. Given several keys (an authority
 * rotation: the old key and the new one), a JWS JSON General Serialization (RFC 7515 §7.2.1)
 * with one signature each, so holders pinning either key accept it.
 */
export async function signDirectory(
  doc: DirectoryDocument,
  authorityKeys: PrivateJwk | readonly PrivateJwk[],
): Promise<string> {
  if (!Value.Check(DirectoryDocumentSchema, doc))
    throw new DomicileError('DIRECTORY_INVALID', {
      cause: [...Value.Errors(DirectoryDocumentSchema, doc)].map((e) => `${e.path} ${e.message}`),
    });
  const problems = directoryProblems(doc);
  if (problems.length > 0) throw new DomicileError('DIRECTORY_INVALID', { cause: problems });
  const keys = ([] as PrivateJwk[]).concat(authorityKeys);
  const payload = encoder.encode(JSON.stringify(doc));
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    return new CompactSign(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, typ: TYP.directory, kid: only.kid })
      .sign(await importKey(only, SIGNING_ALG));
  }
  const general = new GeneralSign(payload);
  for (const key of keys) {
    general
      .addSignature(await importKey(key, SIGNING_ALG))
      .setProtectedHeader({ alg: SIGNING_ALG, typ: TYP.directory, kid: key.kid });
  }
  return JSON.stringify(await general.sign());
}

/** What a holder checks beyond the signature. */
export interface DirectoryCheckOptions {
  /** The serial of the directory it holds: a lower one is a rollback (`DIRECTORY_ROLLBACK`). */
  readonly minSerial?: number;
  /** Seconds since the epoch, for key expiry; default now. */
  readonly now?: number;
}

/**
 * Verifies the authority's signature and the document, and returns the usable directory.
 * `DIRECTORY_AUTHORITY_UNKNOWN`: no signature names the pinned key. `DIRECTORY_INVALID`: the
 * signature, `typ`, schema or consistency fails. `DIRECTORY_ROLLBACK`: the serial is below
 * `minSerial`. `DIRECTORY_KEYS_EXPIRED`: a region has only expired keys for a purpose.
 */
export async function verifyDirectory(
  jws: string,
  authorityKey: PublicJwk,
  options: DirectoryCheckOptions = {},
): Promise<Directory> {
  const signed = parseSignedDirectory(jws);
  const kids = signed.headers.map((h) => h.kid);
  if (!kids.includes(authorityKey.kid) && !kids.includes(undefined))
    throw new DomicileError('DIRECTORY_AUTHORITY_UNKNOWN', {
      cause: 'no signature by the pinned key',
    });
  const payload = await verifiedPayload(signed, authorityKey);
  const doc = upgradeDocument(payload);
  const problems = directoryProblems(doc);
  if (problems.length > 0) throw new DomicileError('DIRECTORY_INVALID', { cause: problems });
  // A new authority key is pinned only if it signed too: holding the old key alone cannot move the pin.
  const next = doc.authority?.key;
  if (next !== undefined && next.kid !== authorityKey.kid) await verifiedPayload(signed, next);
  if (options.minSerial !== undefined && doc.serial < options.minSerial)
    throw new DomicileError('DIRECTORY_ROLLBACK', {
      details: { serial: doc.serial, held: options.minSerial },
    });
  const now = options.now ?? epochSeconds();
  for (const region of doc.regions) {
    for (const [purpose, keys] of Object.entries(region.keys)) {
      if (!keys.some((k) => isKeyAccepted(k, now)))
        throw new DomicileError('DIRECTORY_KEYS_EXPIRED', {
          details: { region: region.id, purpose },
        });
    }
  }
  return Directory.fromVerified(doc, jws, next ?? authorityKey);
}

type SignedDirectory =
  | { kind: 'compact'; jws: string; headers: { kid: string | undefined }[] }
  | { kind: 'general'; jws: GeneralJWS; headers: { kid: string | undefined }[] };

function parseSignedDirectory(jws: string): SignedDirectory {
  const text = jws.trim();
  try {
    if (!text.startsWith('{')) {
      return { kind: 'compact', jws: text, headers: [{ kid: decodeProtectedHeader(text).kid }] };
    }
    const general = JSON.parse(text) as GeneralJWS;
    if (!Array.isArray(general.signatures) || general.signatures.length === 0)
      throw new Error('no signatures');
    const headers = general.signatures.map((s) => ({
      kid: typeof s.protected === 'string' ? decodeProtectedHeader(s).kid : undefined,
    }));
    return { kind: 'general', jws: general, headers };
  } catch (cause) {
    throw new DomicileError('DIRECTORY_INVALID', { cause });
  }
}

async function verifiedPayload(signed: SignedDirectory, key: PublicJwk): Promise<unknown> {
  try {
    const publicKey = await importKey(key, SIGNING_ALG);
    const { payload, protectedHeader } =
      signed.kind === 'compact'
        ? await compactVerify(signed.jws, publicKey, { algorithms: [SIGNING_ALG] })
        : await generalVerify(signed.jws, publicKey, { algorithms: [SIGNING_ALG] });
    if (protectedHeader?.typ !== TYP.directory)
      throw new Error(`unexpected typ ${String(protectedHeader?.typ)}`);
    return JSON.parse(decoder.decode(payload));
  } catch (cause) {
    throw new DomicileError('DIRECTORY_INVALID', { cause });
  }
}

/** A current document as is; a `domicile-directory/1` one with each key as a one-key list. */
function upgradeDocument(payload: unknown): DirectoryDocument {
  if (Value.Check(DirectoryDocumentSchema, payload)) return payload;
  if (!Value.Check(DirectoryDocumentV1Schema, payload))
    throw new DomicileError('DIRECTORY_INVALID', { cause: 'schema' });
  const v1: DirectoryDocumentV1 = payload;
  const regions = v1.regions.map((r) => {
    const list = (jwk: (typeof r.keys)['signing']) => {
      if (jwk.kid === undefined) throw new DomicileError('DIRECTORY_INVALID', { cause: 'no kid' });
      return [{ ...jwk, kid: jwk.kid, notBefore: 0 }];
    };
    return {
      ...r,
      keys: {
        signing: list(r.keys.signing),
        encryption: list(r.keys.encryption),
        tsm: list(r.keys.tsm),
      },
    };
  });
  return { ...v1, format: 'domicile-directory/2', regions };
}
