import type { Kysely } from 'kysely';
import { Value } from '@sinclair/typebox/value';
import { DomicileError } from '@domicile/protocol';
import { CardProductSchema, type CardProduct } from '../issuer/index.js';
import type { CredentialRow, Database } from '../storage/database.js';

/**
 * A `productFor` for {@link TsmWorker}: the card product that the issuer returned at eligibility,
 * kept on the credential's provisioning session. Nothing new is stored, and the issuer is not
 * asked again, so the script shows the terms the user actually accepted.
 */
export function productFromSession(
  db: Kysely<Database>,
): (credential: CredentialRow) => Promise<CardProduct> {
  return async (credential) => {
    const row = await db
      .selectFrom('provisioning_sessions')
      .select('product')
      .where('id', '=', credential.session_id)
      .executeTakeFirst();
    const product: unknown = row?.product == null ? undefined : JSON.parse(row.product);
    if (!Value.Check(CardProductSchema, product)) {
      throw new DomicileError('INTERNAL', {
        details: { reason: "the credential's session holds no card product" },
      });
    }
    return product;
  };
}
