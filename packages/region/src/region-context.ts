import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Directory, RegionEntry } from '@domicile/protocol';
import type { RegionQueryTransport } from './config/index.js';
import type { IdempotencyStore } from './idempotency/index.js';
import type { IssuerGateway } from './issuer/index.js';
import type { TrustedIssuers } from './request-auth/index.js';
import type { RegionKeyring, RegionKeySet } from './keys/index.js';
import type { NotificationHub } from './notifications/index.js';
import type { Database } from './storage/index.js';
import type { Vault } from './vault/index.js';

/**
 * A background worker, as the domain sees it: after a commit that gave it work, the domain wakes
 * it. The workers themselves are the composition root's (`region-server.ts`); declaring only this
 * here keeps the folders that receive the context from depending on the folders of the workers.
 */
export interface WorkerKick {
  /** Runs the worker soon, rather than at its next poll. */
  kick(): void;
}

/**
 * What the domain services of one region share: built once by the composition root
 * (`startRegion`) and passed down; nothing here knows about HTTP.
 */
export interface RegionContext {
  readonly self: RegionEntry;
  readonly directory: Directory;
  readonly db: Kysely<Database>;
  /** Idempotency-Key reservations, held by this process's incarnation. */
  readonly idempotency: IdempotencyStore;
  /**
   * The key file: the encryption key, the HMAC keys and the issuer master key, and the public
   * halves (with the private ones only for file keys) of what {@link keyring} signs with.
   */
  readonly keys: RegionKeySet;
  /**
   * What the region signs with and wraps vault keys under, in the key file or an HSM: every
   * signature the region makes goes through `keyring.signing` or `keyring.tsm`.
   */
  readonly keyring: RegionKeyring;
  readonly vault: Vault;
  readonly issuer: IssuerGateway;
  /** Builds personalization scripts; kicked when tokenization queues one. */
  readonly tsmWorker: WorkerKick;
  /** Issuers trusted on the issuer API, by key and by product. */
  readonly trustedIssuers: TrustedIssuers;
  /** Delivers issuer webhooks; kicked when a change queues one. */
  readonly webhookWorker: WorkerKick;
  /** Delivers lost-device requests to other regions; kicked when a report queues some. */
  readonly regionOutbox: WorkerKick;
  /** Sends region-to-region look-ups (device tokens) and returns the answer at once. */
  readonly regionQuery: RegionQueryTransport;
  /** SHA-256 (hex) of the operator tokens the support API accepts; empty: it accepts none. */
  readonly operatorTokenHashes: readonly string[];
  readonly hub: NotificationHub;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly streamHeartbeatMs: number;
  /**
   * Aborted when the region starts to close: answers that would never end on their own (push
   * streams) end then, so that the drain waits only for requests that finish.
   */
  readonly closing: AbortSignal;
}
