import type { JsonWebKey } from 'node:crypto';
import type { PrimitiveFloorKind } from './baselines/primitive-floor.js';
import type { PrefixRange } from '@domicile/protocol';
import type { LatencySummary } from './stats.js';

/** Where the load generator finds a deployment: what a device or a network would know. */
export interface DeploymentInfo {
  /** The deployment folder (keys, directory.jws). */
  readonly dir: string;
  readonly directoryJws: string;
  /** Region id → base URL the regions listen on. */
  readonly baseUrls: Readonly<Record<string, string>>;
}

/** What one operation of a load run is. Each kind is implemented in `workloads/`. */
export type WorkloadSpec =
  /** A complete provisioning flow of a green card of `cardRegion`, by a device registered in `home`. */
  | {
      readonly kind: 'provisioning';
      readonly deployment: DeploymentInfo;
      readonly home: string;
      readonly cardRegion: string;
    }
  /** `GET url` expecting a small JSON answer: the HTTP ceiling. */
  | { readonly kind: 'http-get'; readonly url: string }
  /** `POST url` with a fresh ES256 JWS, verified and durably committed: the signed-commit ceiling. */
  | {
      readonly kind: 'signed-commit';
      readonly url: string;
      readonly privateJwk: JsonWebKey;
    }
  /** The region's irreducible work of one operation with node:crypto and durable commits. */
  | { readonly kind: 'primitive-floor'; readonly operation: PrimitiveFloorKind }
  /** The crypto of one provisioning flow, in process: the crypto floor. */
  | { readonly kind: 'crypto-floor'; readonly redirected: boolean }
  | AuthorizationSpec;

/** One authorization of a seeded token, direct to the region (signed as the router signs) or through the router. */
export interface AuthorizationSpec {
  readonly kind: 'authorization';
  readonly deployment: DeploymentInfo;
  readonly region: string;
  readonly tokenRanges: readonly PrefixRange[];
  readonly via: 'region' | 'router';
  readonly routerUrl?: string;
  /** The network (directory id) whose key signs. */
  readonly network: string;
  /** Seeded tokens to choose from: indexes `firstToken` to `firstToken + tokens − 1`. */
  readonly tokens: number;
  /**
   * The first of them (default 0). Two workloads whose rounds alternate take disjoint tokens:
   * each token's ATC only grows, and one's next round would replay what the other's last used.
   */
  readonly firstToken?: number;
  /** ATCs of this run start above this: above every ATC an earlier run used on these tokens. */
  readonly atcBase: number;
  /** What seeding gave every token. */
  readonly seed: {
    readonly tokenExpiry: { readonly month: number; readonly year: number };
    readonly panSequenceNumber: string;
  };
}

/**
 * A load run: a warm-up of each workload, then rounds of a fixed number of operations. With more
 * than one workload the rounds alternate (round 1 of each, then round 2 of each, ...), so a
 * machine whose speed drifts during the run moves every workload's figures alike and a ratio of
 * two of them compares rounds taken seconds apart.
 */
export interface LoadJob {
  readonly workloads: readonly WorkloadSpec[];
  /** Operations in flight at once (closed loop). */
  readonly concurrency: number;
  /** Operations run, not counted, before the first round. */
  readonly warmup: number;
  readonly rounds: number;
  readonly perRound: number;
  /**
   * Open loop: start operations at this many per second (still at most `concurrency` at once);
   * latency counts from each operation's scheduled start, so a stall is not hidden.
   */
  readonly rate?: number;
}

export interface RoundResult {
  readonly operations: number;
  readonly errors: number;
  readonly seconds: number;
  /** Successful operations per second. */
  readonly throughput: number;
  readonly latencyMs: LatencySummary;
}

export interface LoadResult {
  readonly rounds: readonly RoundResult[];
  /** Failed operations in the warm-up and the rounds. */
  readonly errors: number;
  /** The error code (never a message) of the first failure, if any. */
  readonly firstError?: string;
  /** What preparing the run took (registering devices, ...), not counted in any round. */
  readonly prepareSeconds: number;
  /** CPU time of the load generator process per counted operation, in ms. */
  readonly cpuMsPerOperation: number;
}

/** Messages from the load generator process to its parent. */
export type LoadMessage =
  /** A counted round of `workload` (its index in the job) starts or ends: the parent reads the servers' CPU time. */
  | { readonly type: 'counted'; readonly phase: 'start' | 'end'; readonly workload: number }
  /** One result per workload of the job, in its order. */
  | { readonly type: 'result'; readonly results: readonly LoadResult[] }
  | { readonly type: 'failed'; readonly error: string };
