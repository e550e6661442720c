import type { PublicJwk, TlsFiles } from '@domicile/protocol';
import type { KeyProviderConfig, RegionKeySet } from '../keys/index.js';
import type { RetentionPolicy } from '../storage/index.js';
import type { RateLimitConfig } from './rate-limit-config.js';
import type { RegionOutboxConfig, RegionQueryTransport } from './region-outbox-config.js';

export type IssuerConfig =
  | { readonly kind: 'sandbox' }
  | { readonly kind: 'http'; readonly baseUrl: string; readonly timeoutMs: number };

/**
 * An issuer this region trusts on its issuer API (`/v1/issuer/...`) and sends token webhooks to
 * (docs/lifecycle.md). A product belongs to at most one issuer.
 */
export interface TrustedIssuerConfig {
  readonly id: string;
  /** The issuer's ES256 public key: it signs every issuer API request. */
  readonly publicKey: PublicJwk;
  /** Where token events are delivered; without one, no webhook is queued for this issuer. */
  readonly webhookUrl?: string;
  /** The card products whose tokens the issuer may suspend, resume, delete and re-art. */
  readonly productIds: readonly string[];
}

/** Issuer webhook delivery: capped exponential backoff with jitter, per-attempt timeout, polling. */
export interface WebhookDeliveryConfig {
  /** First retry delay; default 1 s. */
  readonly retryBaseMs?: number;
  /** Longest retry delay; default 5 min. */
  readonly retryMaxMs?: number;
  /** How long an issuer has to answer; default 10 s. */
  readonly timeoutMs?: number;
  /** How often to look for due deliveries; default 2 s. */
  readonly pollMs?: number;
}

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
  /**
   * Where the keys the key file holds only the public half of (or only the id, for the vault KEK)
   * are: a PKCS#11 token. Default: the file holds every key.
   */
  readonly keyProvider?: KeyProviderConfig;
  /** `sqlite:/path/us.db`, `sqlite::memory:` or `postgres://…`. */
  readonly databaseUrl: string;
  /**
   * Create a SQLite database's missing folder (`region serve --create`); without it a path whose
   * folder does not exist is refused, so that a typo does not start an empty region.
   */
  readonly createDatabase?: boolean;
  /** Where to listen; by default the host and port of this region's base URL in the directory. */
  readonly host?: string;
  readonly port?: number;
  readonly issuer: IssuerConfig;
  readonly logFile?: string;
  readonly logLevel?: string;
  /** Injected clock, for tests of expiry. */
  readonly now?: () => Date;
  /** How long operator console sessions live; the default: 15 minutes idle, 8 hours at most. */
  readonly consoleSessions?: { readonly idleMs: number; readonly absoluteMs: number };
  /** Heartbeat of push streams, which also re-reads the database as a safety net (default 15 s). */
  readonly streamHeartbeatMs?: number;
  /** How often the TSM worker looks for scripts left by a crash. */
  readonly tsmPollMs?: number;
  /**
   * SHA-256 (lowercase hex) of each operator token the support API accepts as
   * `Authorization: Bearer <token>`; none (the default) closes the support API.
   */
  readonly operatorTokenHashes?: readonly string[];
  /** The lost-device outbox to other regions: retry timing (defaults suit production). */
  readonly regionOutbox?: RegionOutboxConfig;
  /** Region-to-region look-ups (device tokens); default HTTP to the directory's base URL. Tests route to `inject()`. */
  readonly regionQuery?: RegionQueryTransport;
  /** Issuers trusted on the issuer API, with their products and webhook URLs; default none. */
  readonly issuers?: readonly TrustedIssuerConfig[];
  readonly webhooks?: WebhookDeliveryConfig;
  /**
   * TLS: with a certificate and key the region serves HTTPS; `caFile` is trusted for its calls to
   * other regions, issuers and webhooks, which present the same certificate as client; a
   * `clientCaFile` makes the server-to-server routes demand a client certificate (mutual TLS).
   * Without, plain HTTP: loopback only, or behind a proxy that terminates TLS.
   */
  readonly tls?: TlsFiles;
  /**
   * Request limits per client address and per device key (429 with `Retry-After`); none, the
   * default of a config made in code (tests, the demo), limits nothing. `region serve` sets them.
   */
  readonly rateLimits?: RateLimitConfig;
  /**
   * Origins (`scheme://host[:port]`) of browser wallets whose pages may call this region: they get
   * CORS headers, every other origin none. Default none: no page in a browser can read an answer.
   */
  readonly walletOrigins?: readonly string[];
  /** When the region signs a checkpoint of its audit chain: every N rows or M ms (1,000 rows, 5 min). */
  readonly auditCheckpoints?: { readonly everyRows?: number; readonly everyMs?: number };
  /**
   * How long idempotency keys and duplicate-transmission records are kept (default a day and a
   * week: `storage/retention-policy.ts`); checked at start, `CONFIG_INVALID` out of range.
   */
  readonly retention?: Partial<RetentionPolicy>;
}
