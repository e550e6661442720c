import { DomicileError } from '@domicile/protocol';
import { readUlong, type Pkcs11Handle } from './pkcs11-binding.js';
import type { Pkcs11Token } from './pkcs11-token.js';
import { P256_EC_PARAMS } from './ec-point.js';

/** What a region key in a token is for; named in the errors that refuse it. */
export type Pkcs11KeyPurpose = 'signing' | 'tsm' | 'kek';

/** A signing key pair found in a token: its private key, and the public key's `CKA_EC_POINT`. */
export interface Pkcs11SigningKeyPair {
  readonly privateKey: Pkcs11Handle;
  readonly ecPoint: Buffer;
}

/**
 * The ES256 key pair under `label`: one EC P-256 private key allowed to sign, sensitive and not
 * extractable, and its public key under the same label. `HSM_KEY_NOT_FOUND` or
 * `HSM_KEY_UNSUITABLE` (with `details.reason`) otherwise.
 */
export function findSigningKeyPair(
  token: Pkcs11Token,
  session: Pkcs11Handle,
  label: string,
  purpose: Pkcs11KeyPurpose,
): Pkcs11SigningKeyPair {
  const b = token.binding;
  const refuse = (reason: string): DomicileError => unsuitable(purpose, label, reason);
  const objects = labelled(token, session, label, purpose);
  const privateKey = single(objects.get(BigInt(b.CKO_PRIVATE_KEY)), refuse, 'not_an_ec_key_pair');
  const [type] = attributes(token, session, privateKey, [b.CKA_KEY_TYPE]);
  if (readUlong(type) !== BigInt(b.CKK_EC)) throw refuse('not_an_ec_key_pair');
  const [params, sign, sensitive, extractable] = attributes(token, session, privateKey, [
    b.CKA_EC_PARAMS,
    b.CKA_SIGN,
    b.CKA_SENSITIVE,
    b.CKA_EXTRACTABLE,
  ]);
  if (!params.equals(P256_EC_PARAMS)) throw refuse('not_p256');
  if (!isTrue(sign)) throw refuse('cannot_sign');
  if (!isTrue(sensitive) || isTrue(extractable)) throw refuse('extractable');
  const publicKeys = objects.get(BigInt(b.CKO_PUBLIC_KEY));
  if (publicKeys === undefined)
    throw new DomicileError('HSM_KEY_NOT_FOUND', {
      details: { purpose, label, reason: 'public_key_missing' },
    });
  const publicKey = single(publicKeys, refuse, 'not_an_ec_key_pair');
  const [ecPoint] = attributes(token, session, publicKey, [b.CKA_EC_POINT]);
  return { privateKey, ecPoint };
}

/**
 * The key-encryption key under `label`: one AES-256 secret key allowed to wrap and unwrap,
 * sensitive and not extractable. `HSM_KEY_NOT_FOUND` or `HSM_KEY_UNSUITABLE` otherwise.
 */
export function findKek(token: Pkcs11Token, session: Pkcs11Handle, label: string): Pkcs11Handle {
  const b = token.binding;
  const refuse = (reason: string): DomicileError => unsuitable('kek', label, reason);
  const objects = labelled(token, session, label, 'kek');
  const kek = single(objects.get(BigInt(b.CKO_SECRET_KEY)), refuse, 'not_an_aes_key');
  const [type] = attributes(token, session, kek, [b.CKA_KEY_TYPE]);
  if (readUlong(type) !== BigInt(b.CKK_AES)) throw refuse('not_an_aes_key');
  const [length, wrap, unwrap, sensitive, extractable] = attributes(token, session, kek, [
    b.CKA_VALUE_LEN,
    b.CKA_WRAP,
    b.CKA_UNWRAP,
    b.CKA_SENSITIVE,
    b.CKA_EXTRACTABLE,
  ]);
  if (readUlong(length) !== 32n) throw refuse('not_aes_256');
  if (!isTrue(wrap) || !isTrue(unwrap)) throw refuse('cannot_wrap');
  if (!isTrue(sensitive) || isTrue(extractable)) throw refuse('extractable');
  return kek;
}

/** The objects under `label`, by `CKA_CLASS`; `HSM_KEY_NOT_FOUND` when there is none. */
function labelled(
  token: Pkcs11Token,
  session: Pkcs11Handle,
  label: string,
  purpose: Pkcs11KeyPurpose,
): Map<bigint, Pkcs11Handle[]> {
  const found = token.findObjects(session, [{ type: token.binding.CKA_LABEL, value: label }]);
  if (found.length === 0)
    throw new DomicileError('HSM_KEY_NOT_FOUND', { details: { purpose, label } });
  const byClass = new Map<bigint, Pkcs11Handle[]>();
  for (const object of found) {
    const [cls] = attributes(token, session, object, [token.binding.CKA_CLASS]);
    const key = readUlong(cls);
    byClass.set(key, [...(byClass.get(key) ?? []), object]);
  }
  return byClass;
}

function single(
  objects: Pkcs11Handle[] | undefined,
  refuse: (reason: string) => DomicileError,
  noneReason: string,
): Pkcs11Handle {
  const [object, other] = objects ?? [];
  if (object === undefined) throw refuse(noneReason);
  // Two keys under one label: whichever the token lists first is not a choice to make silently.
  if (other !== undefined) throw refuse('label_ambiguous');
  return object;
}

/** The values of `types`, in their order (an attribute the token did not return is empty). */
function attributes<const T extends readonly number[]>(
  token: Pkcs11Token,
  session: Pkcs11Handle,
  object: Pkcs11Handle,
  types: T,
): { readonly [K in keyof T]: Buffer } {
  const values = token.readAttributes(session, object, types);
  return types.map((type) => values.get(type) ?? Buffer.alloc(0)) as {
    readonly [K in keyof T]: Buffer;
  };
}

function isTrue(bbool: Buffer): boolean {
  return bbool.length === 1 && bbool[0] !== 0;
}

function unsuitable(purpose: Pkcs11KeyPurpose, label: string, reason: string): DomicileError {
  return new DomicileError('HSM_KEY_UNSUITABLE', { details: { purpose, label, reason } });
}
