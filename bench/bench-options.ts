import type { BenchDatabase } from './bench-deployment.js';
import { definedProps } from '@domicile/protocol';

/** How much of one kind of operation to run. */
export interface RunSize {
  readonly warmup: number;
  readonly rounds: number;
  readonly perRound: number;
}

/** Everything a benchmark run is parameterised by: one profile per mode. */
export interface BenchSettings {
  readonly mode: 'full' | 'quick';
  readonly database: BenchDatabase;
  /** Operations in flight at once, for every closed-loop measurement. */
  readonly concurrency: number;
  /** Provisioning flows, and the crypto floor flows whose rounds alternate with theirs. */
  readonly provisioning: RunSize;
  readonly httpCeiling: RunSize;
  readonly authorization: RunSize;
  /** Tokens in the vault at the two scale points. */
  readonly scaleTokens: { readonly small: number; readonly large: number };
}

export interface BenchOptions {
  readonly settings: BenchSettings;
  /** Where the JSON report goes. */
  readonly out: string;
  /** Keep the deployment folder (keys, databases, logs) here instead of a temporary one. */
  readonly dataDir?: string;
  /** Write V8 CPU profiles of the region processes and the load generators to this folder. */
  readonly profileDir?: string;
}

const FULL: Omit<BenchSettings, 'database'> = {
  mode: 'full',
  concurrency: 8,
  provisioning: { warmup: 40, rounds: 5, perRound: 250 },
  httpCeiling: { warmup: 2_000, rounds: 5, perRound: 20_000 },
  // A region restarted on 1,000,000 tokens authorizes at half speed until the pages of the token
  // index and the vault are in memory: 506, 553, 954, 981, then 1,265/s over its first rounds of 3,000.
  authorization: { warmup: 12_000, rounds: 5, perRound: 3_000 },
  scaleTokens: { small: 1_000, large: 1_000_000 },
};

/** The smoke run: every figure, few operations, under a minute; its figures mean nothing. */
const QUICK: Omit<BenchSettings, 'database'> = {
  mode: 'quick',
  concurrency: 4,
  provisioning: { warmup: 4, rounds: 2, perRound: 12 },
  httpCeiling: { warmup: 100, rounds: 2, perRound: 500 },
  authorization: { warmup: 10, rounds: 2, perRound: 60 },
  scaleTokens: { small: 1_000, large: 20_000 },
};

export const USAGE = `npm run bench -- [--quick] [--db sqlite|postgres] [--out FILE] [--data-dir DIR] [--profile DIR]
  --quick        a smoke run (under a minute, 1,000 and 20,000 tokens): checks the harness, not the speed
  --db           the regions' database: sqlite (default) or postgres (fresh databases on 127.0.0.1:5432, dropped after)
  --out          the JSON report (default bench/results/latest.json)
  --data-dir     keep keys, databases and logs here (default: a temporary folder, removed after)
  --profile      write V8 CPU profiles of the region processes and load generators to DIR (--cpu-prof)`;

/** Parses `bench/run.ts` arguments; throws with the usage on anything unknown. */
export function parseBenchOptions(argv: readonly string[], defaultOut: string): BenchOptions {
  let quick = false;
  let database: BenchDatabase = 'sqlite';
  let out = defaultOut;
  let dataDir: string | undefined;
  let profileDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg ?? ''} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--db') {
      const db = value();
      if (db !== 'sqlite' && db !== 'postgres')
        throw new Error(`--db is sqlite or postgres\n${USAGE}`);
      database = db;
    } else if (arg === '--out') out = value();
    else if (arg === '--data-dir') dataDir = value();
    else if (arg === '--profile') profileDir = value();
    else throw new Error(`unknown argument ${arg ?? ''}\n${USAGE}`);
  }
  return {
    settings: { ...(quick ? QUICK : FULL), database },
    out,
    ...definedProps({ dataDir, profileDir }),
  };
}
