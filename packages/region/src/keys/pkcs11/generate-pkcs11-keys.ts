import { randomBytes } from 'node:crypto';
import { DomicileError, type PublicJwk } from '@domicile/protocol';
import type { Pkcs11Handle, Pkcs11Template } from './pkcs11-binding.js';
import { Pkcs11JwsSigner } from './pkcs11-jws-signer.js';
import { Pkcs11KeyProvider } from './pkcs11-key-provider.js';
import type { Pkcs11KeyPurpose } from './pkcs11-key-lookup.js';
import type { Pkcs11RegionKeyLabels } from './pkcs11-region-keyring.js';
import type { Pkcs11Token } from './pkcs11-token.js';
import { P256_EC_PARAMS } from './ec-point.js';

/** What {@link generatePkcs11RegionKeys} made: the public halves for the directory. */
export interface GeneratedPkcs11Keys {
  readonly signing: PublicJwk;
  readonly tsm: PublicJwk;
  /** The KEK's id (its label), recorded beside each data key it wraps. */
  readonly kekId: string;
}

/**
 * Creates the region's keys in a token (for `domicile keys generate --hsm`): two ES256 key pairs
 * and the vault KEK, each a token object that is sensitive and not extractable, so no private
 * or secret key value ever leaves the token. Refuses (`CONFIG_INVALID`) a label already in use:
 * keys are never replaced here.
 */
export async function generatePkcs11RegionKeys(
  token: Pkcs11Token,
  labels: Pkcs11RegionKeyLabels,
): Promise<GeneratedPkcs11Keys> {
  const all = [labels.signing, labels.tsm, labels.kek];
  if (new Set(all).size !== all.length)
    throw new DomicileError('CONFIG_INVALID', { details: { reason: 'key labels must differ' } });
  await token.withSession(async (session) => {
    refuseTakenLabels(token, session, all);
    await generateSigningKeyPair(token, session, labels.signing);
    await generateSigningKeyPair(token, session, labels.tsm);
    await generateKek(token, session, labels.kek);
  });
  const [signing, tsm] = await Promise.all([
    Pkcs11JwsSigner.open(token, labels.signing, 'signing'),
    Pkcs11JwsSigner.open(token, labels.tsm, 'tsm'),
  ]);
  return { signing: signing.publicJwk, tsm: tsm.publicJwk, kekId: labels.kek };
}

/**
 * Creates one new region key in a token (for `domicile keys rotate --hsm`): an ES256 key pair
 * for `signing` or `tsm`, returned as its public JWK (its `kid` the thumbprint: the caller names
 * it by label), or an AES-256 KEK for `kek` (nothing to return: the label is its id). The same
 * attributes as {@link generatePkcs11RegionKeys}; a label already in use is refused.
 */
export async function generatePkcs11Key(
  token: Pkcs11Token,
  purpose: Pkcs11KeyPurpose,
  label: string,
): Promise<PublicJwk | undefined> {
  await token.withSession(async (session) => {
    refuseTakenLabels(token, session, [label]);
    if (purpose === 'kek') await generateKek(token, session, label);
    else await generateSigningKeyPair(token, session, label);
  });
  if (purpose === 'kek') {
    // Proves the new KEK wraps and unwraps before any key file names it.
    await Pkcs11KeyProvider.open(token, { kekLabel: label });
    return undefined;
  }
  return (await Pkcs11JwsSigner.open(token, label, purpose)).publicJwk;
}

/** Keys are never replaced here: a label already on the token is `CONFIG_INVALID`. */
function refuseTakenLabels(
  token: Pkcs11Token,
  session: Pkcs11Handle,
  labels: readonly string[],
): void {
  for (const label of labels) {
    const taken = token.findObjects(session, [{ type: token.binding.CKA_LABEL, value: label }]);
    if (taken.length > 0)
      throw new DomicileError('CONFIG_INVALID', {
        details: { reason: 'key label already in the token', label },
      });
  }
}

/** Attributes every generated object shares: kept on the token, found by label (and id). */
function stored(token: Pkcs11Token, label: string, id: Buffer): Pkcs11Template {
  const b = token.binding;
  return [
    { type: b.CKA_TOKEN, value: true },
    { type: b.CKA_LABEL, value: label },
    { type: b.CKA_ID, value: id },
  ];
}

/**
 * Attributes of a key whose value must never leave the token; once set, neither can be undone
 * (PKCS#11 v2.40 §4.9 and §4.10).
 */
function secret(token: Pkcs11Token): Pkcs11Template {
  const b = token.binding;
  return [
    { type: b.CKA_PRIVATE, value: true },
    { type: b.CKA_SENSITIVE, value: true },
    { type: b.CKA_EXTRACTABLE, value: false },
  ];
}

async function generateSigningKeyPair(
  token: Pkcs11Token,
  session: Pkcs11Handle,
  label: string,
): Promise<void> {
  const b = token.binding;
  const id = randomBytes(16); // pairs the two halves for tools that match keys by CKA_ID
  await token.pkcs11.C_GenerateKeyPairAsync(
    session,
    { mechanism: b.CKM_EC_KEY_PAIR_GEN },
    [
      ...stored(token, label, id),
      { type: b.CKA_EC_PARAMS, value: P256_EC_PARAMS },
      { type: b.CKA_VERIFY, value: true },
    ],
    [
      ...stored(token, label, id),
      ...secret(token),
      { type: b.CKA_SIGN, value: true },
      { type: b.CKA_DERIVE, value: false },
    ],
  );
}

async function generateKek(
  token: Pkcs11Token,
  session: Pkcs11Handle,
  label: string,
): Promise<void> {
  const b = token.binding;
  await token.pkcs11.C_GenerateKeyAsync(session, { mechanism: b.CKM_AES_KEY_GEN }, [
    ...stored(token, label, randomBytes(16)),
    ...secret(token),
    { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
    { type: b.CKA_KEY_TYPE, value: b.CKK_AES },
    { type: b.CKA_VALUE_LEN, value: 32 },
    // Wrapping only: a KEK that could also decrypt would open any ciphertext handed to it.
    { type: b.CKA_WRAP, value: true },
    { type: b.CKA_UNWRAP, value: true },
    { type: b.CKA_ENCRYPT, value: false },
    { type: b.CKA_DECRYPT, value: false },
  ]);
}
