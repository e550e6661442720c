import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { DomicileError } from '@domicile/protocol';
import {
  Pkcs11KeyProvider,
  Pkcs11Token,
  generatePkcs11RegionKeys,
  isPkcs11WrappedKey,
} from '../keys/pkcs11/index.js';
import { SOFTHSM_MODULE, createSoftHsm, type SoftHsm } from '../keys/pkcs11/softhsm.fixtures.js';
import { openDatabase, type Database } from '../storage/index.js';
import { LocalKeyProvider } from './local-key-provider.js';
import { Vault } from './vault.js';
import { vaultFailureOf } from './vault-error.js';

const CARD = { pan: '4111111111111111', expiry: { month: 12, year: 2030 }, name: 'Jane Doe' };
const LABELS = { signing: 'us-signing', tsm: 'us-tsm', kek: 'us-kek-1' };

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomicileError);
  expect((error as Error).message).not.toContain(CARD.pan);
  return vaultFailureOf(error);
}

describe.skipIf(SOFTHSM_MODULE === undefined)(
  'Vault with its KEK in a PKCS#11 token (SoftHSM2)',
  () => {
    let softHsm: SoftHsm;
    let token: Pkcs11Token;
    let vault: Vault;
    let db: Kysely<Database>;
    beforeAll(async () => {
      softHsm = await createSoftHsm('vault');
      token = await Pkcs11Token.open(softHsm.tokenOptions('vault'));
      await generatePkcs11RegionKeys(token, LABELS);
      const keyProvider = await Pkcs11KeyProvider.open(token, { kekLabel: LABELS.kek });
      vault = new Vault({ keyProvider, panHashKey: randomBytes(32) });
    });
    afterAll(async () => {
      await token.close();
      await softHsm.remove();
    });
    beforeEach(async () => {
      db = await openDatabase('sqlite::memory:');
    });
    afterEach(async () => {
      await db.destroy();
    });

    it('seals a card and opens it again, the data key wrapped in the token', async () => {
      const row = await vault.seal(CARD);
      await db.transaction().execute((trx) => vault.insert(trx, row));
      expect(row.kek_id).toBe(LABELS.kek);
      expect(row.wrapped_key === null ? false : isPkcs11WrappedKey(row.wrapped_key)).toBe(true);
      expect(await vault.open(db, row.id)).toEqual(CARD);
    });

    it('refuses a tampered wrapped key with key_unwrap_failed', async () => {
      const row = await vault.seal(CARD);
      const wrapped = row.wrapped_key ?? '';
      const last = wrapped.at(-2) === 'A' ? 'B' : 'A';
      await vault.insert(db, {
        ...row,
        wrapped_key: `${wrapped.slice(0, -2)}${last}${wrapped.at(-1)}`,
      });
      expect(await reasonOf(vault.open(db, row.id))).toBe('key_unwrap_failed');
    });

    it('does not open a record the file provider sealed under the same KEK id', async () => {
      const fileVault = new Vault({
        keyProvider: new LocalKeyProvider({ kekId: LABELS.kek, kek: randomBytes(32) }),
        panHashKey: randomBytes(32),
      });
      const row = await fileVault.seal(CARD);
      await vault.insert(db, row);
      expect(await reasonOf(vault.open(db, row.id))).toBe('key_unwrap_failed');
    });

    it('still erases a record for good (crypto-shredding)', async () => {
      const row = await vault.seal(CARD);
      await vault.insert(db, row);
      expect(await vault.erase(db, row.id)).toBe(true);
      expect(await reasonOf(vault.open(db, row.id))).toBe('record_erased');
    });
  },
);
