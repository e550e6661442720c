import { sql, type Kysely } from 'kysely';
import type { api } from '@domicile/protocol';
import type { Database } from '@domicile/region';

/** A card a device finished adding: its provisioning flow completed. */
export interface CompletedCard {
  readonly region: string;
  readonly tokenRef: string;
}

/** What the devices and acquirers of a chaos run saw, to hold the regions' databases against. */
export interface Observed {
  readonly cards: readonly CompletedCard[];
  /** Every answer an acquirer got, first transmission or resend. */
  readonly answers: readonly api.AuthorizationResponse[];
  /** The ids of the webhook events the issuer's endpoint received. */
  readonly webhooks: ReadonlySet<string>;
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
  // A completed flow's token survived: the device holds it, so the region must too.
  const mine = observed.cards.filter((c) => c.region === region).map((c) => c.tokenRef);
  const live = new Set(
    mine.length === 0
      ? []
      : (
          await db
            .selectFrom('credentials')
            .select('token_ref')
            .where('token_ref', 'in', mine)
            .where('state', '=', 'active')
            .execute()
        ).map((r) => r.token_ref),
  );
  for (const tokenRef of mine)
    if (!live.has(tokenRef))
      violations.push(`${region}: completed token ${tokenRef} is not active`);

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
  return violations;
}
