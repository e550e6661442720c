/**
 * What each commit writes to SQLite's WAL, by B-tree (table or index), for one home provisioning
 * flow, one redirected flow (both regions) and one authorization through the router, on a fresh
 * local deployment: counted, not timed, so a change of the schema or of a statement can be judged
 * on a busy machine. Every page a commit changes is one WAL frame: the serving thread writes it
 * (two `pwrite`s and a checksum), the group commit's `fdatasync` writes it back, and the
 * checkpointer copies it into the database file; on the bench machine that is about 25 µs of the
 * region's CPU a frame, all threads together (notes of issue 14).
 *
 * The WAL is read while the flows run, frame by frame as they are appended, since the region's
 * checkpointer lets SQLite start the WAL over every 200 ms or so; frames are named after the flow
 * by the `dbstat` table of the database (a page freed and used again by another B-tree during the
 * flow would be named after its last owner). Background writes during a flow (the node lease, the
 * TSM worker of the home flow's token) are counted with it, as they are part of what it costs.
 *
 *   npm run build && npx tsx --conditions=@domicile/source bench/wal-frames.ts [--commits]
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startLocalDeployment, type LocalDeployment } from '@domicile/cli';
import { Wallet, sandboxIdvHooks, type AddCardHooks } from '@domicile/device';
import { sendAuthorization } from '@domicile/network';
import { TEST_CARDS, type TestCard } from '@domicile/region';

const CONFIG_FILE = fileURLToPath(new URL('../config/regions.yaml', import.meta.url));
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
/** How often the WAL is read: well under the checkpointer's 200 ms, after which SQLite may start it over. */
const POLL_MS = 2;

const { values } = parseArgs({ options: { commits: { type: 'boolean', default: false } } });

/** One committed transaction: the pages it wrote, in the order it wrote them. */
type Commit = number[];

/**
 * Follows a WAL file as SQLite appends to it. A frame belongs to the WAL's current life (its salt);
 * when SQLite starts the WAL over (a new salt), what is left of the old life is read first.
 */
class WalFollower {
  readonly #file: string;
  #salt = -1;
  #pageSize = 0;
  #next = 0;
  #open: Commit = [];
  readonly commits: Commit[] = [];

  constructor(file: string) {
    this.#file = file;
  }

  poll(): void {
    if (!existsSync(this.#file)) return;
    const fd = openSync(this.#file, 'r');
    try {
      const header = Buffer.alloc(WAL_HEADER_BYTES);
      if (readSync(fd, header, 0, WAL_HEADER_BYTES, 0) < WAL_HEADER_BYTES) return;
      const salt = header.readUInt32BE(16);
      if (salt !== this.#salt) {
        if (this.#salt !== -1) this.#readFrames(fd, this.#salt);
        this.#salt = salt;
        this.#pageSize = header.readUInt32BE(8);
        this.#next = 0;
      }
      this.#readFrames(fd, salt);
    } finally {
      closeSync(fd);
    }
  }

  /** Forgets what was read so far (frames written before a flow starts). */
  reset(): void {
    this.commits.length = 0;
    this.#open = [];
  }

  #readFrames(fd: number, salt: number): void {
    const frameBytes = FRAME_HEADER_BYTES + this.#pageSize;
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    for (;;) {
      const offset = WAL_HEADER_BYTES + this.#next * frameBytes;
      if (readSync(fd, header, 0, FRAME_HEADER_BYTES, offset) < FRAME_HEADER_BYTES) return;
      // A frame of another life of the WAL, or not yet written: the end of this one for now.
      if (header.readUInt32BE(8) !== salt) return;
      this.#open.push(header.readUInt32BE(0));
      // A commit's last frame holds the database's size in pages after it; others hold 0.
      if (header.readUInt32BE(4) !== 0) {
        this.commits.push(this.#open);
        this.#open = [];
      }
      this.#next += 1;
    }
  }
}

/** The B-tree each page of a database belongs to, by `dbstat`. */
function pageOwners(file: string): Map<number, string> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('select name, pageno from dbstat').all() as {
      name: string;
      pageno: number;
    }[];
    return new Map(rows.map((row) => [row.pageno, row.name]));
  } finally {
    db.close();
  }
}

async function measure(
  deployment: LocalDeployment,
  regions: readonly string[],
  work: () => Promise<void>,
): Promise<Map<string, Commit[]>> {
  const followers = new Map(
    regions.map((region) => [region, new WalFollower(join(deployment.dir, `${region}.db-wal`))]),
  );
  for (const follower of followers.values()) follower.poll();
  for (const follower of followers.values()) follower.reset();
  const timer = setInterval(() => {
    for (const follower of followers.values()) follower.poll();
  }, POLL_MS);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  for (const follower of followers.values()) follower.poll();
  return new Map([...followers].map(([region, follower]) => [region, follower.commits]));
}

function report(label: string, deployment: LocalDeployment, measured: Map<string, Commit[]>): void {
  for (const [region, commits] of measured) {
    const owners = pageOwners(join(deployment.dir, `${region}.db`));
    const name = (page: number): string => owners.get(page) ?? `page ${page}`;
    const frames = commits.reduce((sum, commit) => sum + commit.length, 0);
    console.log(`\n${label}, region ${region}: ${commits.length} commits, ${frames} frames`);
    if (values.commits)
      for (const commit of commits)
        console.log(`  ${commit.length}: ${commit.map(name).join(', ')}`);
    const byTree = new Map<string, number>();
    for (const page of commits.flat()) byTree.set(name(page), (byTree.get(name(page)) ?? 0) + 1);
    console.table(
      Object.fromEntries([...byTree].sort((a, b) => b[1] - a[1]).map(([tree, n]) => [tree, n])),
    );
  }
}

function card(region: string, index: number): TestCard {
  const found = TEST_CARDS.filter((c) => c.region === region && c.outcome === 'green')[index];
  if (found === undefined) throw new Error(`no green test card ${index} for ${region}`);
  return found;
}

const hooks: AddCardHooks = {
  acceptTerms: () => Promise.resolve(true),
  ...sandboxIdvHooks({ timeoutMs: 5_000 }),
};

const dir = await mkdtemp(join(tmpdir(), 'domicile-wal-frames-'));
const deployment = await startLocalDeployment({ dir, configFile: CONFIG_FILE, network: true });
try {
  const wallet = await Wallet.create({
    path: join(dir, 'bench.wallet'),
    passphrase: 'wal frames bench',
    authorityKey: deployment.authorityKey,
    bootstrapUrl: deployment.baseUrl('us'),
    homeRegion: 'us',
  });
  await wallet.register({ name: 'Bench User', email: 'bench@example.com' });
  const addCard = async (c: TestCard): Promise<void> => {
    await wallet.addCard({ pan: c.pan, expiry: c.expiry, cvv: c.cvv, name: c.name }, hooks);
  };
  // Warm: the first flow of each kind writes rows (a guest account, card art) that later ones find.
  await addCard(card('us', 0));
  await addCard(card('cn', 0));
  report(
    'home provisioning flow',
    deployment,
    await measure(deployment, ['us'], () => addCard(card('us', 1))),
  );
  report(
    'redirected provisioning flow',
    deployment,
    await measure(deployment, ['us', 'cn'], () => addCard(card('cn', 1))),
  );
  const [token] = wallet.cards().filter((c) => c.region === 'us');
  if (token === undefined) throw new Error('no us card');
  const pay = async () => {
    const request = await wallet.pay({
      card: token.tokenRef,
      amountMinor: 1_250,
      currency: 'USD',
      country: 'US',
      merchant: { id: 'bench-shop', name: 'Bench Shop' },
    });
    await sendAuthorization({ routerUrl: deployment.networkUrl ?? '', request });
  };
  await pay();
  report('authorization', deployment, await measure(deployment, ['us'], pay));
} finally {
  await deployment.close();
  await rm(dir, { recursive: true, force: true });
}
