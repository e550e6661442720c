import type { api } from '@domicile/protocol';

/** Sends one region-to-region request body to a region's base URL and returns its answer, as received. */
export type RegionTransport = (
  baseUrl: string,
  body: api.RegionRequestBody,
  signal: AbortSignal,
) => Promise<{ status: number; body: unknown }>;

/**
 * Sends one region-to-region request body to `path` of a region's base URL and returns its
 * answer, as received: look-ups answered at once (device tokens), not queued in the outbox.
 */
export type RegionQueryTransport = (
  baseUrl: string,
  path: string,
  body: api.RegionRequestBody,
  signal: AbortSignal,
) => Promise<{ status: number; body: unknown }>;

/** Timing of the lost-device outbox to other regions; the defaults suit production, tests shorten them. */
export interface RegionOutboxTiming {
  /** How often to look for due rows when nobody kicks; default 5 s. */
  readonly pollIntervalMs?: number;
  /** Wait after the first failed attempt, doubled after each further one; default 1 s. */
  readonly backoffMs?: number;
  /** Longest wait between attempts, however many failed; default 5 min. */
  readonly maxBackoffMs?: number;
  /** Time allowed for one delivery; default 10 s. */
  readonly timeoutMs?: number;
}

/** How a region configures its lost-device outbox: the timing, and (tests) the transport to other regions. */
export interface RegionOutboxConfig extends RegionOutboxTiming {
  /** Default: HTTP to the base URL the directory lists. In-process tests route to `inject()`. */
  readonly transport?: RegionTransport;
}
