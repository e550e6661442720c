import { sql, type Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { PublicJwkSchema } from '@domicile/protocol';
import { liveCredentialCount } from '../credentials/index.js';
import {
  columnsOf,
  jsonColumn,
  planStable,
  precompiled,
  qualified,
  type AccountRow,
  type Database,
  type DeviceRow,
} from '../storage/index.js';

/**
 * The owner of the `accounts` and `devices` tables: a device belongs to one account, and every
 * read and write of either goes through these functions. Each takes the database or the caller's
 * transaction.
 */

/** The key provisioning data is encrypted to: a P-256 public key, as the directory's keys are. */
export const encryptionKeyColumn = jsonColumn('devices.encryption_jwk', PublicJwkSchema);

/**
 * The key of the device's DPoP proofs, as its first proof carried it (RFC 9449 §4.2 `jwk`) and the
 * DPoP verifier accepted it: a JSON object, kept whole (only its thumbprint is ever compared).
 */
export const signingKeyColumn = jsonColumn(
  'devices.signing_jwk',
  Type.Object({ kty: Type.Optional(Type.String()) }),
);

/** A device with the account it belongs to. */
export interface AuthenticatedDevice {
  readonly device: DeviceRow;
  readonly account: AccountRow;
}

// One query, not two, compiled once: this runs on every device request.
const deviceByJkt = precompiled(1, (db, jkt: string) => deviceWithAccount(db, jkt));

/** Finds the device a DPoP key belongs to, with its account, lost or not; undefined when none. */
export async function findDevice(
  db: Kysely<Database>,
  jkt: string,
): Promise<AuthenticatedDevice | undefined> {
  const [row] = (await deviceByJkt.execute(db, jkt)).rows;
  return row === undefined ? undefined : splitDeviceRow(row);
}

// One query for both, compiled once: a home region's redirect reads nothing else before it signs.
const deviceByJktWithLiveCredentials = precompiled(1, (db, jkt: string) =>
  deviceWithAccount(db, jkt).select(
    liveCredentialCount(db, sql.ref('devices.account_id')).as('live_credentials'),
  ),
);

/**
 * {@link findDevice}, with how many of the account's credentials are live: in the same query, for
 * the standing a redirect assertion states.
 */
export async function findDeviceWithLiveCredentials(
  db: Kysely<Database>,
  jkt: string,
): Promise<(AuthenticatedDevice & { readonly liveCredentials: number }) | undefined> {
  const [row] = (await deviceByJktWithLiveCredentials.execute(db, jkt)).rows;
  if (row === undefined) return undefined;
  const { live_credentials, ...rest } = row;
  return { ...splitDeviceRow(rest), liveCredentials: Number(live_credentials ?? 0) };
}

/**
 * Every column of a device row, by name (the record type keeps the list complete), in the table's
 * order: the device look-up runs on every device request, and named columns make it prepared once
 * per PostgreSQL connection, where `devices.*` was parsed and planned at every call
 * (`preparedName`).
 */
const DEVICE_COLUMNS = qualified(
  'devices',
  columnsOf<DeviceRow>({
    id: true,
    account_id: true,
    jkt: true,
    signing_jwk: true,
    encryption_jwk: true,
    model: true,
    created_at: true,
    lost_at: true,
    removed_at: true,
  }),
);

function deviceWithAccount(db: Kysely<Database>, jkt: string) {
  return db
    .selectFrom('devices')
    .innerJoin('accounts', 'accounts.id', 'devices.account_id')
    .select(DEVICE_COLUMNS)
    .select([
      'accounts.kind as account_kind',
      'accounts.name as account_name',
      'accounts.email as account_email',
      'accounts.home_region as account_home_region',
      'accounts.pseudonym as account_pseudonym',
      'accounts.can_transact as account_can_transact',
      'accounts.created_at as account_created_at',
    ])
    .where('devices.jkt', '=', planStable(jkt));
}

type DeviceWithAccountRow = NonNullable<
  Awaited<ReturnType<ReturnType<typeof deviceWithAccount>['executeTakeFirst']>>
>;

function splitDeviceRow(row: DeviceWithAccountRow): AuthenticatedDevice {
  const {
    account_kind: kind,
    account_name: name,
    account_email: email,
    account_home_region: home_region,
    account_pseudonym: pseudonym,
    account_can_transact: can_transact,
    account_created_at: created_at,
    ...device
  } = row;
  const account: AccountRow = {
    id: device.account_id,
    kind,
    name,
    email,
    home_region,
    pseudonym,
    can_transact,
    created_at,
  };
  return { device, account };
}

/** A device by id, with its account; undefined when none. */
export async function findDeviceById(
  db: Kysely<Database>,
  deviceId: string,
): Promise<AuthenticatedDevice | undefined> {
  const device = await db
    .selectFrom('devices')
    .selectAll()
    .where('id', '=', deviceId)
    .executeTakeFirst();
  if (device === undefined) return undefined;
  const account = await db
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', device.account_id)
    .executeTakeFirstOrThrow();
  return { device, account };
}

/** The id of the device with key thumbprint `jkt` of the guest account `pseudonym` from `homeRegion`. */
export async function findGuestDeviceId(
  db: Kysely<Database>,
  guest: { readonly homeRegion: string; readonly pseudonym: string; readonly jkt: string },
): Promise<string | undefined> {
  const row = await db
    .selectFrom('devices')
    .innerJoin('accounts', 'accounts.id', 'devices.account_id')
    .select('devices.id')
    .where('accounts.kind', '=', 'guest')
    .where('accounts.home_region', '=', guest.homeRegion)
    .where('accounts.pseudonym', '=', guest.pseudonym)
    .where('devices.jkt', '=', guest.jkt)
    .executeTakeFirst();
  return row?.id;
}

// Read again in every transaction that makes a token: compiled once.
const deviceEnd = precompiled(1, (db, deviceId: string) =>
  db.selectFrom('devices').select(['lost_at', 'removed_at']).where('id', '=', deviceId),
);

/**
 * When the device was reported lost and removed from its account (null: not), read again
 * inside a transaction that must not act for a device that ended since its request was
 * authenticated.
 */
export async function readDeviceEnd(
  db: Kysely<Database>,
  deviceId: string,
): Promise<Pick<DeviceRow, 'lost_at' | 'removed_at'>> {
  const [row] = (await deviceEnd.execute(db, deviceId)).rows;
  if (row === undefined) throw new Error(`no device ${deviceId}`);
  return row;
}

/** Writes new accounts (one, or a batch of the seeding tool). */
export async function insertAccounts(
  trx: Kysely<Database>,
  rows: readonly AccountRow[],
): Promise<void> {
  if (rows.length > 0) await trx.insertInto('accounts').values(rows).execute();
}

/** Writes new devices (one, or a batch of the seeding tool); a key (`jkt`) already registered is a unique violation. */
export async function insertDevices(
  trx: Kysely<Database>,
  rows: readonly DeviceRow[],
): Promise<void> {
  if (rows.length > 0) await trx.insertInto('devices').values(rows).execute();
}

// A redirect's first request at the owning region writes its guest account and device, usually
// both new: compiled once, as building and compiling each cost about as much CPU as running it.
type AccountValues = [
  id: string,
  kind: AccountRow['kind'],
  name: string | null,
  email: string | null,
  home_region: string,
  pseudonym: string | null,
  can_transact: number,
  created_at: string,
];
const insertAccountIfAbsent = precompiled(8, (db, ...row: AccountValues) => {
  const [id, kind, name, email, home_region, pseudonym, can_transact, created_at] = row;
  return db
    .insertInto('accounts')
    .values({ id, kind, name, email, home_region, pseudonym, can_transact, created_at })
    .onConflict((oc) => oc.columns(['home_region', 'pseudonym']).doNothing())
    .returningAll();
});

type DeviceValues = [
  id: string,
  account_id: string,
  jkt: string,
  signing_jwk: string,
  encryption_jwk: string,
  model: string | null,
  created_at: string,
  lost_at: string | null,
  removed_at: string | null,
];
const insertDeviceIfAbsent = precompiled(9, (db, ...row: DeviceValues) => {
  const [id, account_id, jkt, signing_jwk, encryption_jwk, model, created_at, lost_at, removed_at] =
    row;
  return db
    .insertInto('devices')
    .values({
      id,
      account_id,
      jkt,
      signing_jwk,
      encryption_jwk,
      model,
      created_at,
      lost_at,
      removed_at,
    })
    .onConflict((oc) => oc.column('jkt').doNothing())
    .returningAll();
});

/**
 * The guest account of `pseudonym` from `homeRegion`, made if absent. Insert-if-absent, then
 * read only if it was present: of two racing first redirects, one inserts and the other reads the
 * row it made (a caught unique violation would abort the whole transaction on PostgreSQL).
 */
export async function ensureGuestAccount(
  trx: Kysely<Database>,
  guest: AccountRow & { readonly kind: 'guest'; readonly pseudonym: string },
): Promise<AccountRow> {
  const [inserted] = (
    await insertAccountIfAbsent.execute(
      trx,
      guest.id,
      guest.kind,
      guest.name,
      guest.email,
      guest.home_region,
      guest.pseudonym,
      guest.can_transact,
      guest.created_at,
    )
  ).rows;
  if (inserted !== undefined) return inserted;
  return trx
    .selectFrom('accounts')
    .selectAll()
    .where('home_region', '=', guest.home_region)
    .where('pseudonym', '=', guest.pseudonym)
    .executeTakeFirstOrThrow();
}

/** The device with `device.jkt`, written as given if no device has that key yet. */
export async function ensureDevice(trx: Kysely<Database>, device: DeviceRow): Promise<DeviceRow> {
  const [inserted] = (
    await insertDeviceIfAbsent.execute(
      trx,
      device.id,
      device.account_id,
      device.jkt,
      device.signing_jwk,
      device.encryption_jwk,
      device.model,
      device.created_at,
      device.lost_at,
      device.removed_at,
    )
  ).rows;
  if (inserted !== undefined) return inserted;
  return trx
    .selectFrom('devices')
    .selectAll()
    .where('jkt', '=', device.jkt)
    .executeTakeFirstOrThrow();
}

/** Replaces the key that provisioning data is encrypted to (a wallet may renew it). */
export async function setDeviceEncryptionKey(
  trx: Kysely<Database>,
  input: { readonly deviceId: string; readonly encryptionJwk: string },
): Promise<void> {
  await trx
    .updateTable('devices')
    .set({ encryption_jwk: input.encryptionJwk })
    .where('id', '=', input.deviceId)
    .execute();
}

/** Marks a device lost at `at`; the first report's time stays, so a second changes nothing. */
export async function markDeviceLost(
  trx: Kysely<Database>,
  input: { readonly deviceId: string; readonly at: string },
): Promise<void> {
  await trx
    .updateTable('devices')
    .set({ lost_at: input.at })
    .where('id', '=', input.deviceId)
    .where('lost_at', 'is', null)
    .execute();
}

/** Marks a device removed from its account at `at`; the first removal's time stays. */
export async function markDeviceRemoved(
  trx: Kysely<Database>,
  input: { readonly deviceId: string; readonly at: string },
): Promise<void> {
  await trx
    .updateTable('devices')
    .set({ removed_at: input.at })
    .where('id', '=', input.deviceId)
    .where('removed_at', 'is', null)
    .execute();
}

/** Every device of an account, removed and lost ones too, oldest first. */
export async function listAccountDevices(
  db: Kysely<Database>,
  accountId: string,
): Promise<DeviceRow[]> {
  return db
    .selectFrom('devices')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** A registered account by id; undefined when none (or a guest account). */
export async function findRegisteredAccount(
  db: Kysely<Database>,
  accountId: string,
): Promise<AccountRow | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', accountId)
    .where('kind', '=', 'registered')
    .executeTakeFirst();
}
