import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Wallet } from '@domicile/device';
import { isDomicileError } from '@domicile/protocol';
import type { Database } from '@domicile/region';

/**
 * How long the outbox gets, after the run, to deliver what is queued: a row that failed while
 * its target was down waits up to its backoff (doubled per failure, 5 min at most) plus a 5 s poll.
 */
const OUTBOX_SETTLE_MS = 330_000;
/**
 * How long the webhook workers get to deliver what is queued. A row claimed by a worker killed
 * mid-delivery is taken again only once its claim's lease ends (twice the 10 s attempt timeout,
 * `webhook-worker.ts`), then at the next 2 s poll: 15 s left such a row undelivered (CI, once).
 */
const WEBHOOK_SETTLE_MS = 40_000;

/**
 * Waits, once the kills stopped, until every region delivered what it queued for another region
 * and then for the issuer (a lost device suspended through the outbox queues webhooks of its
 * own), or the time allowed passed; the checks then name what is left.
 */
export async function deliveriesSettled(dbs: Iterable<Kysely<Database>>): Promise<void> {
  const all = [...dbs];
  await until(() => delivered(all, 'region_outbox'), OUTBOX_SETTLE_MS);
  await until(() => delivered(all, 'webhook_deliveries'), WEBHOOK_SETTLE_MS);
}

/** The column each queue sets once a row was delivered. */
const DELIVERED_AT = { region_outbox: 'confirmed_at', webhook_deliveries: 'delivered_at' } as const;

async function delivered(
  dbs: readonly Kysely<Database>[],
  queue: keyof typeof DELIVERED_AT,
): Promise<boolean> {
  for (const db of dbs) {
    const left = await db
      .selectFrom(queue)
      .select(sql<number>`1`.as('left'))
      .where(sql.ref(DELIVERED_AT[queue]), 'is', null)
      .executeTakeFirst();
    if (left !== undefined) return false;
  }
  return true;
}

async function until(done: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await done())) await sleep(250);
}

/**
 * Every wallet reads, once nothing is killed any more, the notifications still waiting for it in
 * each region that knows its device (a lost device still may). Returns what could not be read.
 */
export async function walletsSynced(
  wallets: readonly Wallet[],
  dbs: ReadonlyMap<string, Kysely<Database>>,
): Promise<string[]> {
  const failures: string[] = [];
  for (const [region, db] of dbs) {
    const known = new Set(
      (await db.selectFrom('devices').select('jkt').execute()).map((d) => d.jkt),
    );
    for (const wallet of wallets) {
      if (!known.has(wallet.deviceJkt)) continue;
      try {
        await wallet.syncNotifications(region);
      } catch (error) {
        const code = isDomicileError(error) ? error.code : String(error);
        failures.push(`${region}: a device could not read its notifications: ${code}`);
      }
    }
  }
  return failures;
}
