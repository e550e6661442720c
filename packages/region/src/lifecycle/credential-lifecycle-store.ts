import type { Kysely } from 'kysely';
import type { RegionContext } from '../region-context.js';
import { findSessionProduct } from '../sessions/index.js';
import {
  precompiled,
  type CredentialLifecycleRow,
  type CredentialRow,
  type Database,
} from '../storage/index.js';
import { enqueueTokenEvent } from '../webhooks/index.js';

/**
 * The lifecycle row of a credential. A credential without one (made by a path that did not record
 * it) gets it now, its product read from the provisioning session, as migration 0003 does.
 */
export async function loadLifecycle(
  trx: Kysely<Database>,
  credential: CredentialRow,
): Promise<CredentialLifecycleRow> {
  const row = await trx
    .selectFrom('credential_lifecycle')
    .selectAll()
    .where('credential_id', '=', credential.id)
    .executeTakeFirst();
  if (row !== undefined) return row;
  const made: CredentialLifecycleRow = {
    credential_id: credential.id,
    token_ref: credential.token_ref,
    product_id: await productIdFromSession(trx, credential.session_id),
    suspended_by: null,
    resume_state: null,
    updated_at: credential.updated_at,
  };
  await trx
    .insertInto('credential_lifecycle')
    .values(made)
    .onConflict((oc) => oc.column('credential_id').doNothing())
    .execute();
  return made;
}

/** The card product of a credential, without writing anything. */
export async function productIdOf(
  db: Kysely<Database>,
  credential: CredentialRow,
): Promise<string> {
  const row = await db
    .selectFrom('credential_lifecycle')
    .select('product_id')
    .where('credential_id', '=', credential.id)
    .executeTakeFirst();
  return row?.product_id ?? productIdFromSession(db, credential.session_id);
}

// No session, or one without a product: no issuer owns the credential ('' matches no product).
async function productIdFromSession(db: Kysely<Database>, sessionId: string): Promise<string> {
  return (await findSessionProduct(db, sessionId))?.id ?? '';
}

// Every tokenization writes one: compiled once.
const insertNewLifecycle = precompiled(
  4,
  (db, credential_id: string, token_ref: string, product_id: string, updated_at: string) =>
    db.insertInto('credential_lifecycle').values({
      credential_id,
      token_ref,
      product_id,
      suspended_by: null,
      resume_state: null,
      updated_at,
    }),
);

/**
 * Tokenization's part of the lifecycle, called inside its transaction: records the credential's
 * card product (which issuer may act on it) and queues the `token.created` webhook for that issuer.
 */
export async function recordTokenCreated(
  trx: Kysely<Database>,
  ctx: RegionContext,
  input: { readonly credential: CredentialRow; readonly productId: string; readonly now: Date },
): Promise<void> {
  const { credential, productId, now } = input;
  await insertNewLifecycle.execute(
    trx,
    credential.id,
    credential.token_ref,
    productId,
    now.toISOString(),
  );
  await enqueueTokenEvent(
    trx,
    { region: ctx.self.id, issuers: ctx.trustedIssuers },
    { type: 'token.created', credential, productId, now },
  );
}
