import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Directory, RegionEntry } from '@domicile/protocol';
import type { IssuerGateway } from './issuer/index.js';
import type { RegionKeySet } from './keys/index.js';
import type { NotificationHub } from './notifications/notification-hub.js';
import type { Database } from './storage/database.js';
import type { Tsm, TsmWorker } from './tsm/index.js';
import type { Vault } from './vault/index.js';

/**
 * What the domain services of one region share: built once by the composition root
 * (`startRegion`) and passed down; nothing here knows about HTTP.
 */
export interface RegionContext {
  readonly self: RegionEntry;
  readonly directory: Directory;
  readonly db: Kysely<Database>;
  readonly keys: RegionKeySet;
  readonly vault: Vault;
  readonly issuer: IssuerGateway;
  readonly tsm: Tsm;
  readonly tsmWorker: TsmWorker;
  readonly hub: NotificationHub;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly streamHeartbeatMs: number;
}
