import { sql, type Kysely } from 'kysely';
import type { api } from '@domicile/protocol';
import type { Database } from '@domicile/region';
import { checkNotifications, type ObservedDevice } from './delivery-invariants.js';

/** A card a device finished adding: its provisioning flow completed. */
export interface CompletedCard {
  readonly region: string;
  readonly tokenRef: string;
  /**
   * The state its token must end in: 'suspended' once its device was reported lost, 'either'
   * when the report may have been made but its answer never came.
   */
  expected: 'active' | 'suspended' | 'either';
}

/** What the devices and acquirers of a chaos run saw, to hold the regions' databases against. */
export interface Observed {
  readonly cards: readonly CompletedCard[];
  /** Every answer an acquirer got, first transmission or resend. */
  readonly answers: readonly api.AuthorizationResponse[];
  /** The ids of the webhook events the issuer's endpoint received. */
  readonly webhooks: ReadonlySet<string>;
  readonly devices: readonly ObservedDevice[];
}

/**
 * The invariants of issue 14 that a region's database can be held to after a run of kills; each
 * broken one is a sentence naming what broke (ids only, never a card or token number).
 */
export async function checkRegion(
  region: string,
  db: Kysely<Database>,
  observed: Observed,
): Promise<string[]> {
  const violations: string[] = [];
  // A completed flow's token survived: the device holds it, so the region must too, in the
  // state the run left it (suspended by a lost-device report, here or through the outbox).
  const mine = observed.cards.filter((c) => c.region === region);
  const states = new Map(
    mine.length === 0
      ? []
      : (
          await db
            .selectFrom('credentials')
            .select(['token_ref', 'state'])
            .where(
              'token_ref',
              'in',
              mine.map((c) => c.tokenRef),
            )
            .execute()
        ).map((r) => [r.token_ref, r.state]),
  );
  for (const card of mine) {
    const state = states.get(card.tokenRef);
    const expected = card.expected === 'either' ? ['active', 'suspended'] : [card.expected];
    if (state === undefined || !expected.includes(state))
      violations.push(
        `${region}: completed token ${card.tokenRef} is ${state ?? 'missing'}, not ${expected.join(' or ')}`,
      );
  }

  const doubled = await db
    .selectFrom('credentials')
    .select(['device_id', sql<number>`count(*)`.as('tokens')])
    .where('state', '<>', 'deleted')
    .groupBy(['device_id', 'pan_hash'])
    .having(sql`count(*)`, '>', 1)
    .execute();
  for (const d of doubled)
    violations.push(`${region}: device ${d.device_id} holds ${d.tokens} live tokens of one card`);

  const twice = await db
    .selectFrom('transactions')
    .select(['credential_id', 'atc'])
    .where('approved', '=', 1)
    .groupBy(['credential_id', 'atc'])
    .having(sql`count(*)`, '>', 1)
    .execute();
  for (const t of twice)
    violations.push(`${region}: ATC ${t.atc} of credential ${t.credential_id} approved twice`);

  // Every approval reached its acquirer (they resend until answered), and every approval an
  // acquirer got is recorded.
  const answered = new Set(
    observed.answers.filter((a) => a.region === region && a.approved).map((a) => a.authorizationId),
  );
  const approved = (
    await db.selectFrom('transactions').select('id').where('approved', '=', 1).execute()
  ).map((r) => r.id);
  for (const id of approved)
    if (!answered.has(id)) violations.push(`${region}: approval ${id} never reached an acquirer`);
  const recorded = new Set(approved);
  for (const id of answered)
    if (!recorded.has(id)) violations.push(`${region}: answered approval ${id} is not recorded`);

  // Every token event queued for the issuer was delivered, and the issuer has it.
  for (const w of await db
    .selectFrom('webhook_deliveries')
    .select(['event_id', 'delivered_at'])
    .execute()) {
    if (w.delivered_at === null) violations.push(`${region}: webhook ${w.event_id} not delivered`);
    else if (!observed.webhooks.has(w.event_id))
      violations.push(`${region}: webhook ${w.event_id} marked delivered, never received`);
  }
  violations.push(...(await checkNotifications(region, db, observed.devices)));
  return violations;
}
