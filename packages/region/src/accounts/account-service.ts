import type { Kysely } from 'kysely';
import type { Static } from '@sinclair/typebox';
import {
  DomicileError,
  type JWK,
  type PublicJwk,
  type PublicJwkSchema,
  type api,
} from '@domicile/protocol';
import { appendAudit } from '../audit/index.js';
import { countLiveCredentials } from '../credentials/index.js';
import { newId } from '../ids/index.js';
import type { RegionContext } from '../region-context.js';
import { isUniqueViolation, type Database, type DeviceRow } from '../storage/index.js';
import {
  encryptionKeyColumn,
  ensureDevice,
  ensureGuestAccount,
  findDevice,
  findDeviceWithLiveCredentials,
  insertAccounts,
  insertDevices,
  readDeviceEnd,
  setDeviceEncryptionKey,
  signingKeyColumn,
  type AuthenticatedDevice,
} from './account-store.js';

/** Registers a user in this, their home region, with the device whose DPoP key made the request. */
export async function registerAccount(
  ctx: RegionContext,
  input: { jkt: string; signingJwk: JWK; request: api.RegisterAccountRequest },
): Promise<api.RegisterAccountResponse> {
  const now = ctx.now().toISOString();
  const accountId = newId();
  const deviceId = newId();
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await insertAccounts(trx, [
        {
          id: accountId,
          kind: 'registered',
          name: input.request.name,
          email: input.request.email,
          home_region: ctx.self.id,
          pseudonym: null,
          can_transact: 1,
          created_at: now,
        },
      ]);
      await insertDevices(trx, [
        deviceRow({
          id: deviceId,
          accountId,
          jkt: input.jkt,
          signingJwk: input.signingJwk,
          encryptionJwk: input.request.device.encryptionKey,
          model: input.request.device.model ?? null,
          now,
        }),
      ]);
      await appendAudit(trx, {
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

/**
 * The device a DPoP key belongs to, as a device request needs it: registered here, and neither
 * reported lost (its key may be in someone else's hands) nor removed from its account, unless
 * `allowLost` says the request is one a lost or removed device may still make (reading the
 * notifications that tell it what became of its tokens).
 * @throws DomicileError `DEVICE_UNKNOWN`, `DEVICE_LOST`, `DEVICE_REMOVED`.
 */
export async function requireDevice(
  db: Kysely<Database>,
  jkt: string,
  options: { allowLost?: boolean } = {},
): Promise<AuthenticatedDevice> {
  const found = await findDevice(db, jkt);
  if (found === undefined) throw new DomicileError('DEVICE_UNKNOWN');
  if (options.allowLost !== true) refuseEnded(found.device);
  return found;
}

/**
 * {@link requireDevice}, with how many of its account's credentials are live, in one query: what a
 * home region reads of a device before it vouches for it in a redirect assertion.
 * @throws DomicileError `DEVICE_UNKNOWN`, `DEVICE_LOST`, `DEVICE_REMOVED`.
 */
export async function requireDeviceWithLiveCredentials(
  db: Kysely<Database>,
  jkt: string,
): Promise<AuthenticatedDevice & { readonly liveCredentials: number }> {
  const found = await findDeviceWithLiveCredentials(db, jkt);
  if (found === undefined) throw new DomicileError('DEVICE_UNKNOWN');
  refuseEnded(found.device);
  return found;
}

/**
 * Refuses a device removed or reported lost since its request was authenticated
 * ({@link requireDevice}), as that would have: call it inside the transaction that acts for the
 * device, where a removal or report committed meanwhile is seen. A removed device's tokens were
 * deleted and a lost one's suspended by that commit: a token made after it would stay live.
 * @throws DomicileError `DEVICE_REMOVED`, `DEVICE_LOST`.
 */
export async function requireDeviceActive(db: Kysely<Database>, deviceId: string): Promise<void> {
  refuseEnded(await readDeviceEnd(db, deviceId));
}

/** A removed device is refused as removed even if it was reported lost first: that is its end. */
function refuseEnded(device: Pick<DeviceRow, 'lost_at' | 'removed_at'>): void {
  if (device.removed_at !== null) throw new DomicileError('DEVICE_REMOVED');
  if (device.lost_at !== null) throw new DomicileError('DEVICE_LOST');
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
    activeCredentials: await countLiveCredentials(ctx.db, who.account.id),
  };
}

/**
 * The guest account a redirected user gets in this region: the home region's pseudonym, the home
 * region id and the device keys — no personal data of the home region (DESIGN: Residency).
 * Called inside the transaction that opens the session, so a failed redirect leaves nothing.
 * @throws DomicileError `ASSERTION_KEY_MISMATCH`, `DEVICE_REMOVED`, `DEVICE_LOST`.
 */
export async function upsertGuest(
  trx: Kysely<Database>,
  input: {
    homeRegion: string;
    pseudonym: string;
    jkt: string;
    signingJwk: JWK;
    encryptionJwk: PublicJwk;
    now: string;
  },
): Promise<AuthenticatedDevice> {
  const account = await ensureGuestAccount(trx, {
    id: newId(),
    kind: 'guest',
    name: null,
    email: null,
    home_region: input.homeRegion,
    pseudonym: input.pseudonym,
    can_transact: 1,
    created_at: input.now,
  });
  let device = await ensureDevice(
    trx,
    deviceRow({
      id: newId(),
      accountId: account.id,
      jkt: input.jkt,
      signingJwk: input.signingJwk,
      encryptionJwk: input.encryptionJwk,
      model: null,
      now: input.now,
    }),
  );
  if (device.account_id !== account.id) {
    // The key is already another account's device here: the assertion cannot re-home it.
    throw new DomicileError('ASSERTION_KEY_MISMATCH');
  }
  // An assertion issued before a report or removal must not open a session for that device.
  refuseEnded(device);
  const encryptionJwk = encryptionKeyColumn.encode(input.encryptionJwk);
  if (device.encryption_jwk !== encryptionJwk) {
    // The message names the key the provisioning data must be encrypted to: a wallet may have renewed it.
    await setDeviceEncryptionKey(trx, { deviceId: device.id, encryptionJwk });
    device = { ...device, encryption_jwk: encryptionJwk };
  }
  return { account, device };
}

export interface NewDevice {
  id: string;
  accountId: string;
  jkt: string;
  signingJwk: JWK;
  encryptionJwk: Static<typeof PublicJwkSchema>;
  model: string | null;
  now: string;
}

/** The row of a new device of an account. */
export function deviceRow(d: NewDevice): DeviceRow {
  return {
    id: d.id,
    account_id: d.accountId,
    jkt: d.jkt,
    signing_jwk: signingKeyColumn.encode(d.signingJwk),
    encryption_jwk: encryptionKeyColumn.encode(d.encryptionJwk),
    model: d.model,
    created_at: d.now,
    lost_at: null,
    removed_at: null,
  };
}
