import { definedProps } from '@domicile/protocol';
import {
  LocalKeyProvider,
  vaultKeksOf,
  type KeyProvider,
  type VaultKekSecrets,
} from '../../vault/index.js';
import { Pkcs11KeyProvider } from './pkcs11-key-provider.js';
import type { Pkcs11Token } from './pkcs11-token.js';

/**
 * The key provider of a region whose key file lists KEKs in the token (no `key`), maybe beside
 * KEKs in the file (a region moved from file keys to the HSM by `keys rotate --hsm`): the
 * current KEK wraps, and every listed KEK unwraps the records it wrapped, each where it lives,
 * so the re-wrap worker can move every record to the current KEK. Each token KEK is found and
 * tried at start (`HSM_KEY_NOT_FOUND` for a label the token lacks).
 */
export async function openListedKekProvider(
  token: Pkcs11Token,
  secrets: VaultKekSecrets,
): Promise<KeyProvider> {
  const keks = vaultKeksOf(secrets);
  const current = secrets.vaultKekId;
  const inToken = keks.filter((kek) => kek.key === undefined).map((kek) => kek.id);
  const inFile = new Map(
    keks.flatMap((kek) =>
      kek.key === undefined ? [] : [[kek.id, Buffer.from(kek.key, 'base64url')] as const],
    ),
  );
  // vaultKeksOf lists the current KEK last: it is the token's current one when it is there.
  const tokenCurrent = inToken.at(-1);
  const tokenProvider =
    tokenCurrent === undefined
      ? undefined
      : await Pkcs11KeyProvider.open(token, {
          kekLabel: tokenCurrent,
          retiredKekLabels: inToken.filter((label) => label !== tokenCurrent),
        });
  const fileCurrent = [...inFile.keys()].at(-1);
  const fileProvider =
    fileCurrent === undefined
      ? undefined
      : new LocalKeyProvider({
          kekId: fileCurrent,
          kek: inFile.get(fileCurrent) ?? Buffer.alloc(0),
          retired: new Map([...inFile].filter(([id]) => id !== fileCurrent)),
        });
  if (fileProvider === undefined && tokenProvider !== undefined) return tokenProvider;
  if (tokenProvider === undefined && fileProvider !== undefined) return fileProvider;
  return new ListedKekProvider(current, {
    ...definedProps({ token: tokenProvider, file: fileProvider }),
    inFile: new Set(inFile.keys()),
  });
}

/** Wraps with the provider holding the current KEK; unwraps with the one holding the record's. */
class ListedKekProvider implements KeyProvider {
  readonly kekId: string;
  readonly #wrapper: KeyProvider;
  readonly #o: { token?: KeyProvider; file?: KeyProvider; inFile: ReadonlySet<string> };

  constructor(
    kekId: string,
    providers: { token?: KeyProvider; file?: KeyProvider; inFile: ReadonlySet<string> },
  ) {
    this.kekId = kekId;
    this.#o = providers;
    const wrapper = providers.inFile.has(kekId) ? providers.file : providers.token;
    if (wrapper === undefined) throw new Error('the current KEK has a provider');
    this.#wrapper = wrapper;
  }

  wrapKey(dataKey: Buffer): Promise<string> {
    return this.#wrapper.wrapKey(dataKey);
  }

  unwrapKey(wrapped: string, kekId: string): Promise<Buffer> {
    // An id neither lists is the token provider's to refuse (`kek_unknown`).
    const provider = (this.#o.inFile.has(kekId) ? this.#o.file : this.#o.token) ?? this.#wrapper;
    return provider.unwrapKey(wrapped, kekId);
  }
}
