import type { PublicJwk } from '@domicile/protocol';
import type { TransportSettings } from './region-transport.js';
import type { RetryPolicy } from './retry-policy.js';
import type { KdfParams } from './wallet-file.js';
import type { HandledNotification } from './wallet-notifications.js';
import { definedProps } from '@domicile/protocol';

/** How the wallet talks to regions; every part is injectable so tests can drive it. */
export interface WalletRuntimeOptions {
  readonly fetch?: typeof fetch;
  /**
   * How every request to a region is repeated when it gets no answer, a 503, or a 409 for a
   * request still in progress (`DEFAULT_RETRY`: backoff from 0.2 s to 5 s, within 60 s), by the
   * wallet's region clients and the helpers it hands its settings to (the sandbox code reader).
   */
  readonly retry?: Partial<RetryPolicy>;
  /** Notification stream tuning: first reconnection delay and silent-connection timeout. */
  readonly stream?: { readonly reconnectDelayMs?: number; readonly idleTimeoutMs?: number };
  /** Seconds since the epoch (redirect assertion checks, key expiry). */
  readonly now?: () => number;
  /**
   * Seconds after which the wallet fetches the directory again before its next operation
   * (default a day; 0: only when a region uses a key the held directory does not list).
   */
  readonly directoryRefreshSeconds?: number;
  /**
   * Told of every push notification the wallet handled (after its cursor was saved), whichever
   * story handled it: adding a card, a sync, a follow. An observer only: it changes nothing, and
   * lets a test hold what the device handled against what the region queued.
   */
  readonly onNotificationHandled?: (handled: HandledNotification) => void;
}

export interface CreateWalletOptions extends WalletRuntimeOptions {
  readonly path: string;
  readonly passphrase: string;
  /** The directory authority's public key, pinned for the wallet's life. */
  readonly authorityKey: PublicJwk;
  /** Any region's base URL: only its signed directory is taken, and verified. */
  readonly bootstrapUrl: string;
  readonly homeRegion: string;
  readonly kdf?: KdfParams;
}

export interface OpenWalletOptions extends WalletRuntimeOptions {
  readonly path: string;
  readonly passphrase: string;
}

export interface AddCardOptions {
  readonly signal?: AbortSignal;
  /** How long to wait for the card art and script notifications after tokenization (default 30 s). */
  readonly activationTimeoutMs?: number;
}

/** The part of the runtime options a region client takes. */
export function transportOptions(o: WalletRuntimeOptions): TransportSettings {
  return { ...definedProps({ fetch: o.fetch, retry: o.retry }) };
}

/** Only the runtime part of the options: the wallet keeps no passphrase around. */
export function runtimeOptions(o: WalletRuntimeOptions): WalletRuntimeOptions {
  return {
    ...transportOptions(o),
    ...definedProps({
      stream: o.stream,
      now: o.now,
      directoryRefreshSeconds: o.directoryRefreshSeconds,
      onNotificationHandled: o.onNotificationHandled,
    }),
  };
}
