import { sql, type Kysely, type RawBuilder } from 'kysely';
import {
  columnsOf,
  planStable,
  precompiled,
  qualified,
  type CredentialRow,
  type Database,
  type NewCredential,
  type VaultRecordRow,
} from '../storage/index.js';

/**
 * The owner of the `credentials` table: every read and write of a credential row goes through
 * these functions, so the table's invariants (one live token of a card per device, a state moved
 * only from the state it was read in, an ATC that only grows) live in one place. Each takes the
 * database or the caller's transaction.
 */

/** A credential's state, as the table stores it. */
export type CredentialState = CredentialRow['state'];

/** States in which a credential counts as provisioned for its account: it can pay, or soon will. */
export const LIVE_STATES: readonly CredentialState[] = ['active', 'pending_activation'];

/** Every state but `deleted`: a token that still exists for its device. */
export const UNDELETED_STATES: readonly CredentialState[] = [
  'active',
  'pending_activation',
  'suspended',
];

/**
 * Every column of a credential row, by name (the record type makes the list complete), in the
 * order {@link insertCredential} takes their values. A statement that names its columns is
 * prepared once per PostgreSQL connection, where one with `credentials.*` is parsed and planned
 * at every call (`preparedName`): for the authorization's read that was about 160 µs of the
 * server's CPU of about 400 µs per authorization; prepared, 25.
 */
const CREDENTIAL_COLUMNS = columnsOf<CredentialRow>({
  id: true,
  token_ref: true,
  token_number: true,
  token_expiry: true,
  account_id: true,
  device_id: true,
  session_id: true,
  vault_record_id: true,
  pan_hash: true,
  last4: true,
  network: true,
  state: true,
  psn: true,
  atc_last: true,
  art_asset_id: true,
  script_id: true,
  created_at: true,
  updated_at: true,
  last_used_at: true,
});

/** {@link CREDENTIAL_COLUMNS}, qualified: for a statement that joins another table. */
export const CREDENTIAL_SELECTION = qualified('credentials', CREDENTIAL_COLUMNS);

// The TSM worker reads the credential of each script it builds: compiled once.
const credentialById = precompiled(1, (db, id: string) =>
  db.selectFrom('credentials').select(CREDENTIAL_COLUMNS).where('id', '=', id),
);

export async function findCredentialById(
  db: Kysely<Database>,
  id: string,
): Promise<CredentialRow | undefined> {
  const [row] = (await credentialById.execute(db, id)).rows;
  return row;
}

export function findCredentialByTokenRef(
  db: Kysely<Database>,
  tokenRef: string,
): Promise<CredentialRow | undefined> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('token_ref', '=', tokenRef)
    .executeTakeFirst();
}

// The authorization's only read before its decision: compiled once, prepared on PostgreSQL.
const credentialWithVaultRecord = precompiled(1, (db, tokenNumber: string) =>
  db
    .selectFrom('credentials')
    .leftJoin('vault_records', 'vault_records.id', 'credentials.vault_record_id')
    .select(CREDENTIAL_SELECTION)
    .select([
      'vault_records.id as vault_id',
      'vault_records.pan_hash as vault_pan_hash',
      'vault_records.kek_id as vault_kek_id',
      'vault_records.wrapped_key as vault_wrapped_key',
      'vault_records.iv as vault_iv',
      'vault_records.ciphertext as vault_ciphertext',
      'vault_records.tag as vault_tag',
      'vault_records.created_at as vault_created_at',
      'vault_records.erased_at as vault_erased_at',
    ])
    .where('credentials.token_number', '=', planStable(tokenNumber)),
);

/**
 * The credential that the network's authorization request names by its token number, with its
 * vault record (undefined when the row is gone), in one statement: the authorization reads
 * nothing else before its decision, so it waits for no other request's commit a second time.
 */
export async function findCredentialByTokenNumber(
  db: Kysely<Database>,
  tokenNumber: string,
): Promise<{ credential: CredentialRow; vaultRecord: VaultRecordRow | undefined } | undefined> {
  const [row] = (await credentialWithVaultRecord.execute(db, tokenNumber)).rows;
  if (row === undefined) return undefined;
  const {
    vault_id: id,
    vault_pan_hash: panHash,
    vault_kek_id: kekId,
    vault_wrapped_key: wrappedKey,
    vault_iv: iv,
    vault_ciphertext: ciphertext,
    vault_tag: tag,
    vault_created_at: createdAt,
    vault_erased_at: erasedAt,
    ...credential
  } = row;
  const vaultRecord =
    id === null ||
    panHash === null ||
    kekId === null ||
    iv === null ||
    ciphertext === null ||
    tag === null ||
    createdAt === null
      ? undefined
      : {
          id,
          pan_hash: panHash,
          kek_id: kekId,
          wrapped_key: wrappedKey,
          iv,
          ciphertext,
          tag,
          created_at: createdAt,
          erased_at: erasedAt,
        };
  return { credential, vaultRecord };
}

const deviceCredential = precompiled(2, (db, tokenRef: string, deviceId: string) =>
  db
    .selectFrom('credentials')
    .select(CREDENTIAL_COLUMNS)
    .where('token_ref', '=', tokenRef)
    .where('device_id', '=', deviceId),
);

/** A credential by token reference, only if `deviceId` owns it: another device's reads as absent. */
export async function findDeviceCredential(
  db: Kysely<Database>,
  owner: { readonly deviceId: string; readonly tokenRef: string },
): Promise<CredentialRow | undefined> {
  const [row] = (await deviceCredential.execute(db, owner.tokenRef, owner.deviceId)).rows;
  return row;
}

/** The credentials of one device in `states` (all states by default), oldest first. */
export function listDeviceCredentials(
  db: Kysely<Database>,
  deviceId: string,
  states?: readonly CredentialState[],
): Promise<CredentialRow[]> {
  let query = db.selectFrom('credentials').selectAll().where('device_id', '=', deviceId);
  if (states !== undefined) query = query.where('state', 'in', states);
  return query.orderBy('created_at').execute();
}

/** Every credential of an account in this region, of all its devices, oldest first. */
export function listAccountCredentials(
  db: Kysely<Database>,
  accountId: string,
): Promise<CredentialRow[]> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Credentials by id (a short list: one page of another table's rows), in no particular order. */
export function listCredentialsById(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<CredentialRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('credentials').selectAll().where('id', 'in', ids).execute();
}

/** Undeleted credentials of a card product (its issuer's tokens), oldest first. */
export function listUndeletedOfProduct(
  db: Kysely<Database>,
  productId: string,
): Promise<CredentialRow[]> {
  // The product is a lifecycle fact (`credential_lifecycle`), read here in the same query.
  return db
    .selectFrom('credential_lifecycle')
    .innerJoin('credentials', 'credentials.id', 'credential_lifecycle.credential_id')
    .selectAll('credentials')
    .where('credential_lifecycle.product_id', '=', productId)
    .where('credentials.state', '!=', 'deleted')
    .orderBy('credentials.created_at')
    .execute();
}

/**
 * The credential whose id is in `column` of the outer query, if not deleted: for a correlated
 * `exists`, one primary-key look-up per outer row. (An `in` over every undeleted id made SQLite
 * list all of them first: seconds per read on a million tokens.) `deleted` is written in the
 * statement, not bound: SQLite compares a bound value with the condition of the partial index
 * `credentials_live_card_unique`, and would plan the outer statement again on every run.
 */
export function undeletedCredentialOf(db: Kysely<Database>, column: string) {
  return db
    .selectFrom('credentials')
    .select('credentials.id')
    .where('credentials.id', '=', sql.ref<string>(column))
    .where('credentials.state', '!=', sql.lit('deleted'));
}

/**
 * How many of an account's credentials are live ({@link LIVE_STATES}), as a subquery: of the account
 * `accountId`, or of the account in a column of the outer query (`sql.ref`), for a statement
 * that reads it with its own row.
 */
export function liveCredentialCount(db: Kysely<Database>, accountId: string | RawBuilder<string>) {
  return db
    .selectFrom('credentials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('credentials.account_id', '=', accountId)
    .where('credentials.state', 'in', LIVE_STATES);
}

const liveCredentialsOf = precompiled(1, (db, accountId: string) =>
  liveCredentialCount(db, accountId),
);

/** How many of an account's credentials are live ({@link LIVE_STATES}). */
export async function countLiveCredentials(
  db: Kysely<Database>,
  accountId: string,
): Promise<number> {
  const [row] = (await liveCredentialsOf.execute(db, accountId)).rows;
  return Number(row?.n ?? 0);
}

// `deleted` written in the statement, not bound: SQLite then uses `credentials_live_card_unique`
// (a partial index) without looking at a bound value, so the statement is planned once.
const undeletedTokenOfCard = precompiled(2, (db, deviceId: string, panHash: string) =>
  db
    .selectFrom('credentials')
    .select('id')
    .where('device_id', '=', deviceId)
    .where('pan_hash', '=', panHash)
    .where('state', '!=', sql.lit('deleted')),
);

/** Whether the device already holds an undeleted token of the card (by the vault's card hash). */
export async function deviceHoldsCard(
  db: Kysely<Database>,
  card: { readonly deviceId: string; readonly panHash: string },
): Promise<boolean> {
  const { rows } = await undeletedTokenOfCard.execute(db, card.deviceId, card.panHash);
  return rows.length > 0;
}

/** The cards a region holds, oldest first, with whether each belongs to a guest account. */
export async function listHeldCards(
  db: Kysely<Database>,
): Promise<{ last4: string; network: string; state: CredentialState; guest: boolean }[]> {
  const rows = await db
    .selectFrom('credentials')
    .innerJoin('accounts', 'accounts.id', 'credentials.account_id')
    .select(['credentials.last4', 'credentials.network', 'credentials.state', 'accounts.kind'])
    .orderBy('credentials.created_at')
    .execute();
  return rows.map((r) => ({
    last4: r.last4,
    network: r.network,
    state: r.state,
    guest: r.kind === 'guest',
  }));
}

// Tokenization writes one: compiled once.
const insertCredential = precompiled(CREDENTIAL_COLUMNS.length, (db, ...values: unknown[]) =>
  db
    .insertInto('credentials')
    .values(Object.fromEntries(CREDENTIAL_COLUMNS.map((c, i) => [c, values[i]])) as NewCredential),
);

/** Writes new credentials (one, or a batch of the seeding tool); unique token numbers and refs. */
export async function insertCredentials(
  trx: Kysely<Database>,
  rows: readonly NewCredential[],
): Promise<void> {
  const [only, ...more] = rows;
  if (only === undefined) return;
  if (more.length === 0)
    await insertCredential.execute(trx, ...CREDENTIAL_COLUMNS.map((c) => only[c] ?? null));
  else await trx.insertInto('credentials').values(rows).execute();
}

/**
 * Moves a credential to `to`, only from the state `from` it was read in: of two racing changes
 * one wins, and the loser (false) reads again rather than overwriting.
 */
export async function moveCredentialState(
  trx: Kysely<Database>,
  move: {
    readonly id: string;
    readonly from: CredentialState;
    readonly to: CredentialState;
    readonly at: string;
  },
): Promise<boolean> {
  const res = await trx
    .updateTable('credentials')
    .set({ state: move.to, updated_at: move.at })
    .where('id', '=', move.id)
    .where('state', '=', move.from)
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}

/** An ATC to claim for a credential, and the time of the authorization claiming it. */
export interface AtcClaim {
  readonly credentialId: string;
  readonly atc: number;
  readonly at: string;
}

/**
 * Claims an ATC for the token (EMV Book 2 8.1.2: a counter value is spent once): moves the token's
 * last accepted ATC to `atc` only if it is greater. Of requests racing with one ATC exactly one
 * gets true, so only that one may ask the issuer. The claim is never undone: a decline, an issuer
 * that does not answer or a crash after it leaves the ATC used, as on a card; a retry needs a new
 * cryptogram. The claim is the token's use: it moves `last_used_at` to the claim's time, with
 * no other write; a bad cryptogram or a replayed ATC, which anyone knowing the token number can
 * send, never reaches it.
 * @returns whether this call claimed it.
 */
export async function claimAtc(db: Kysely<Database>, claim: AtcClaim): Promise<boolean> {
  const res = await db
    .updateTable('credentials')
    .set({ atc_last: claim.atc, last_used_at: claim.at })
    .where('id', '=', claim.credentialId)
    .where('atc_last', '<', claim.atc)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Records the personalization script the TSM made ready for a credential. */
export async function setCredentialScript(
  trx: Kysely<Database>,
  input: { readonly id: string; readonly scriptId: string; readonly at: string },
): Promise<void> {
  await trx
    .updateTable('credentials')
    .set({ script_id: input.scriptId, updated_at: input.at })
    .where('id', '=', input.id)
    .execute();
}

/** Points an undeleted credential at new card art; false when it was deleted meanwhile. */
export async function setCredentialArt(
  trx: Kysely<Database>,
  input: { readonly id: string; readonly artAssetId: string; readonly at: string },
): Promise<boolean> {
  const res = await trx
    .updateTable('credentials')
    .set({ art_asset_id: input.artAssetId, updated_at: input.at })
    .where('id', '=', input.id)
    .where('state', '!=', 'deleted')
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
