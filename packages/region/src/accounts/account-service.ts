import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomicileError, type PublicJwk, type api } from '@domicile/protocol';
import type { RegionContext } from '../region-context.js';
import type { AccountRow, Database, DeviceRow } from '../storage/database.js';
import { isUniqueViolation } from '../storage/index.js';

export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export interface AuthenticatedDevice {
  readonly device: DeviceRow;
  readonly account: AccountRow;
}

/** Registers a user in this, their home region, with the device whose DPoP key made the request. */
export async function registerAccount(
  ctx: RegionContext,
  input: { jkt: string; signingJwk: object; request: api.RegisterAccountRequest },
): Promise<api.RegisterAccountResponse> {
  const now = ctx.now().toISOString();
  const accountId = newId();
  const deviceId = newId();
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({
          id: accountId,
          kind: 'registered',
          name: input.request.name,
          email: input.request.email,
          home_region: ctx.self.id,
          pseudonym: null,
          can_transact: 1,
          created_at: now,
        })
        .execute();
      await insertDevice(trx, {
        id: deviceId,
        accountId,
        jkt: input.jkt,
        signingJwk: input.signingJwk,
        encryptionJwk: input.request.device.encryptionKey,
        model: input.request.device.model ?? null,
        now,
      });
      await audit(trx, {
        at: now,
        actor: `device:${deviceId}`,
        action: 'account.registered',
        subject: accountId,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomicileError('DEVICE_ALREADY_REGISTERED');
    throw error;
  }
  return { accountId, deviceId, region: ctx.self.id, registeredAt: now };
}

/** Finds the device a DPoP key belongs to, with its account, lost or not; undefined when none. Device requests use {@link requireDevice}. */
export async function findDevice(
  db: Kysely<Database>,
  jkt: string,
): Promise<AuthenticatedDevice | undefined> {
  // One query, not two: this runs on every device request.
  const row = await db
    .selectFrom('devices')
    .innerJoin('accounts', 'accounts.id', 'devices.account_id')
    .selectAll('devices')
    .select([
      'accounts.kind as account_kind',
      'accounts.name as account_name',
      'accounts.email as account_email',
      'accounts.home_region as account_home_region',
      'accounts.pseudonym as account_pseudonym',
      'accounts.can_transact as account_can_transact',
      'accounts.created_at as account_created_at',
    ])
    .where('devices.jkt', '=', jkt)
    .executeTakeFirst();
  if (row === undefined) return undefined;
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

/**
 * The device a DPoP key belongs to, as a device request needs it: registered here, and not
 * reported lost (its key may be in someone else's hands) unless `allowLost` says the request is
 * one a lost device may still make.
 * @throws DomicileError `DEVICE_UNKNOWN`, `DEVICE_LOST`.
 */
export async function requireDevice(
  db: Kysely<Database>,
  jkt: string,
  options: { allowLost?: boolean } = {},
): Promise<AuthenticatedDevice> {
  const found = await findDevice(db, jkt);
  if (found === undefined) throw new DomicileError('DEVICE_UNKNOWN');
  if (found.device.lost_at !== null && options.allowLost !== true)
    throw new DomicileError('DEVICE_LOST');
  return found;
}

export async function countActiveCredentials(
  db: Kysely<Database>,
  accountId: string,
): Promise<number> {
  const row = await db
    .selectFrom('credentials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('state', 'in', ['active', 'pending_activation'])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function accountView(
  ctx: RegionContext,
  who: AuthenticatedDevice,
): Promise<api.AccountView> {
  return {
    accountId: who.account.id,
    deviceId: who.device.id,
    region: ctx.self.id,
    kind: who.account.kind,
    homeRegion: who.account.home_region,
    registeredAt: who.account.created_at,
    activeCredentials: await countActiveCredentials(ctx.db, who.account.id),
  };
}

/**
 * The guest account a redirected user gets in this region: the home region's pseudonym, the home
 * region id and the device keys — no personal data of the home region (DESIGN: Residency).
 * Called inside the transaction that opens the session, so a failed redirect leaves nothing.
 * @throws DomicileError `ASSERTION_KEY_MISMATCH`, `DEVICE_LOST`.
 */
export async function upsertGuest(
  trx: Kysely<Database>,
  input: {
    homeRegion: string;
    pseudonym: string;
    jkt: string;
    signingJwk: object;
    encryptionJwk: PublicJwk;
    now: string;
  },
): Promise<AuthenticatedDevice> {
  // Insert-if-absent, then read: of two racing first redirects, one inserts and both read the
  // same row (a caught unique violation would abort the whole transaction on PostgreSQL).
  await trx
    .insertInto('accounts')
    .values({
      id: newId(),
      kind: 'guest',
      name: null,
      email: null,
      home_region: input.homeRegion,
      pseudonym: input.pseudonym,
      can_transact: 1,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['home_region', 'pseudonym']).doNothing())
    .execute();
  const account = await trx
    .selectFrom('accounts')
    .selectAll()
    .where('home_region', '=', input.homeRegion)
    .where('pseudonym', '=', input.pseudonym)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('devices')
    .values(
      deviceRow({
        id: newId(),
        accountId: account.id,
        jkt: input.jkt,
        signingJwk: input.signingJwk,
        encryptionJwk: input.encryptionJwk,
        model: null,
        now: input.now,
      }),
    )
    .onConflict((oc) => oc.column('jkt').doNothing())
    .execute();
  let device = await trx
    .selectFrom('devices')
    .selectAll()
    .where('jkt', '=', input.jkt)
    .executeTakeFirstOrThrow();
  if (device.account_id !== account.id) {
    // The key is already another account's device here: the assertion cannot re-home it.
    throw new DomicileError('ASSERTION_KEY_MISMATCH');
  }
  if (device.lost_at !== null) {
    // An assertion issued before the report must not open a session for the lost device.
    throw new DomicileError('DEVICE_LOST');
  }
  const encryptionJwk = JSON.stringify(input.encryptionJwk);
  if (device.encryption_jwk !== encryptionJwk) {
    // The message names the key the provisioning data must be encrypted to: a wallet may have renewed it.
    await trx
      .updateTable('devices')
      .set({ encryption_jwk: encryptionJwk })
      .where('id', '=', device.id)
      .execute();
    device = { ...device, encryption_jwk: encryptionJwk };
  }
  return { account, device };
}

interface NewDevice {
  id: string;
  accountId: string;
  jkt: string;
  signingJwk: object;
  encryptionJwk: object;
  model: string | null;
  now: string;
}

function deviceRow(d: NewDevice): DeviceRow {
  return {
    id: d.id,
    account_id: d.accountId,
    jkt: d.jkt,
    signing_jwk: JSON.stringify(d.signingJwk),
    encryption_jwk: JSON.stringify(d.encryptionJwk),
    model: d.model,
    created_at: d.now,
    lost_at: null,
  };
}

async function insertDevice(trx: Kysely<Database>, d: NewDevice): Promise<DeviceRow> {
  const row = deviceRow(d);
  await trx.insertInto('devices').values(row).execute();
  return row;
}

/** Appends to the region's audit log; `detail` must hold no card data. */
export async function audit(
  trx: Kysely<Database>,
  entry: {
    at: string;
    actor: string;
    action: string;
    subject: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}
