import type { PublicJwk } from '@domicile/protocol';
import type { RegionKeySet } from '../keys/index.js';

export type IssuerConfig =
  | { readonly kind: 'sandbox' }
  | { readonly kind: 'http'; readonly baseUrl: string; readonly timeoutMs: number };

/**
 * Everything one region server process needs, parsed and checked once by whoever starts it
 * (the CLI, the demo, a test). Secrets arrive as a loaded key set, never as paths to re-read.
 */
export interface RegionConfig {
  readonly region: string;
  /** The directory as served, and the authority key it must verify with. */
  readonly directoryJws: string;
  readonly authorityKey: PublicJwk;
  readonly keys: RegionKeySet;
  /** `sqlite:/path/us.db`, `sqlite::memory:` or `postgres://…`. */
  readonly databaseUrl: string;
  /** Where to listen; by default the host and port of this region's base URL in the directory. */
  readonly host?: string;
  readonly port?: number;
  readonly issuer: IssuerConfig;
  readonly logFile?: string;
  readonly logLevel?: string;
  /** Injected clock, for tests of expiry. */
  readonly now?: () => Date;
  /** Heartbeat of push streams, which also re-reads the database as a safety net (default 15 s). */
  readonly streamHeartbeatMs?: number;
  /** How often the TSM worker looks for scripts left by a crash. */
  readonly tsmPollMs?: number;
}
