import type { SecureElement } from './secure-element/index.js';
import type { WalletState } from './wallet-state.js';

/** The wallet's state apart from the secure element, which each store keeps its own way. */
export type StoredWalletState = Omit<WalletState, 'secureElement'>;

/**
 * Where a wallet keeps itself between runs: the encrypted wallet file (Node), or IndexedDB with
 * non-extractable keys (a browser, `@domicile/device/browser`).
 */
export interface WalletStore {
  /** Where it is, for people: a file path, or `indexeddb:<database>`. */
  readonly path: string;
  /** Saves the whole state as it is now (the wallet calls it in order, one at a time). */
  save(state: StoredWalletState, secureElement: SecureElement): Promise<void>;
}
