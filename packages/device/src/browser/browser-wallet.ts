import type { CryptoKey } from 'jose';
import { DomicileError } from '@domicile/protocol';
import {
  SecureElement,
  generateDeviceKeys,
  type AppletState,
  type DeviceKeys,
} from '../secure-element/index.js';
import { Wallet } from '../wallet.js';
import type { CreateWalletOptions, WalletRuntimeOptions } from '../wallet-options.js';
import type { StoredWalletState, WalletStore } from '../wallet-store.js';
import { IndexedDbRecords } from './indexeddb.js';

/** The IndexedDB database a page's wallet lives in unless told otherwise. */
export const DEFAULT_WALLET_DATABASE = 'domicile-wallet';

/**
 * The device keys as IndexedDB keeps them: the `CryptoKey` objects themselves (non-extractable:
 * the browser stores them without ever handing their private halves to script), and an AES-GCM
 * key, non-extractable too, that seals the rest (token numbers, ICC master keys) at rest.
 */
interface KeyRecord extends DeviceKeys {
  readonly sealing: CryptoKey;
}

/** The sealed wallet state: what `Wallet` keeps and the applets of its secure element. */
interface SealedRecord {
  readonly iv: Uint8Array;
  readonly ciphertext: ArrayBuffer;
}

interface WalletContent {
  readonly state: StoredWalletState;
  readonly applets: AppletState[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function seal(key: CryptoKey, content: WalletContent): Promise<SealedRecord> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = encoder.encode(JSON.stringify(content));
  return { iv, ciphertext: await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain) };
}

async function unseal(key: CryptoKey, record: SealedRecord): Promise<WalletContent> {
  try {
    const { iv, ciphertext } = record;
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: new Uint8Array(iv) },
      key,
      ciphertext,
    );
    return JSON.parse(decoder.decode(plain)) as WalletContent;
  } catch (cause) {
    throw new DomicileError('WALLET_LOCKED', { cause });
  }
}

function indexedDbStore(db: IndexedDbRecords, name: string, sealing: CryptoKey): WalletStore {
  return {
    path: `indexeddb:${name}`,
    save: async (state, se) =>
      db.put({ wallet: await seal(sealing, { state, applets: se.exportApplets() }) }),
  };
}

export interface CreateBrowserWalletOptions
  extends
    Pick<CreateWalletOptions, 'authorityKey' | 'bootstrapUrl' | 'homeRegion'>,
    WalletRuntimeOptions {
  /** The IndexedDB database (default {@link DEFAULT_WALLET_DATABASE}). */
  readonly database?: string;
}

export interface OpenBrowserWalletOptions extends WalletRuntimeOptions {
  readonly database?: string;
}

/**
 * Creates a wallet in this browser: the bootstrap region's directory verified with the pinned
 * authority key, fresh non-extractable device keys, all kept in IndexedDB.
 * @throws DomicileError `WALLET_EXISTS` when the database already holds a wallet.
 */
export async function createBrowserWallet(options: CreateBrowserWalletOptions): Promise<Wallet> {
  const name = options.database ?? DEFAULT_WALLET_DATABASE;
  const db = await IndexedDbRecords.open(name);
  if ((await db.get('keys')) !== undefined) {
    db.close();
    throw new DomicileError('WALLET_EXISTS');
  }
  const { state } = await Wallet.bootstrap(options);
  const keys: KeyRecord = {
    ...(await generateDeviceKeys()),
    sealing: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]),
  };
  const secureElement = await SecureElement.withKeys(keys, []);
  const wallet = await seal(keys.sealing, { state, applets: [] });
  await db.put({ keys, wallet });
  return Wallet.fromStore({
    store: indexedDbStore(db, name, keys.sealing),
    state,
    secureElement,
    runtime: options,
  });
}

/**
 * Opens the wallet this browser keeps in IndexedDB.
 * @throws DomicileError `WALLET_NOT_FOUND` when there is none.
 */
export async function openBrowserWallet(options: OpenBrowserWalletOptions = {}): Promise<Wallet> {
  const name = options.database ?? DEFAULT_WALLET_DATABASE;
  const db = await IndexedDbRecords.open(name);
  const keys = (await db.get('keys')) as KeyRecord | undefined;
  const sealed = (await db.get('wallet')) as SealedRecord | undefined;
  if (keys === undefined || sealed === undefined) {
    db.close();
    throw new DomicileError('WALLET_NOT_FOUND');
  }
  const { state, applets } = await unseal(keys.sealing, sealed);
  return Wallet.fromStore({
    store: indexedDbStore(db, name, keys.sealing),
    state,
    secureElement: await SecureElement.withKeys(keys, applets),
    runtime: options,
  });
}

/** Deletes this browser's wallet: its keys and cards are gone for good. */
export function deleteBrowserWallet(database = DEFAULT_WALLET_DATABASE): Promise<void> {
  return IndexedDbRecords.delete(database);
}
