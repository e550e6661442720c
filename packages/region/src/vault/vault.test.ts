import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomicileError } from '@domicile/protocol';
import {
  Pkcs11KeyProvider,
  Pkcs11Token,
  generatePkcs11RegionKeys,
  isPkcs11WrappedKey,
} from '../keys/pkcs11/index.js';
import { SOFTHSM_MODULE, createSoftHsm, type SoftHsm } from '../keys/pkcs11/softhsm.fixtures.js';
import { openDatabase } from '../storage/index.js';
import type { Database } from '../storage/index.js';
import { LocalKeyProvider } from './local-key-provider.js';
import { Vault } from './vault.js';
import { vaultFailureOf } from './vault-error.js';

const CARD = { pan: '4111111111111111', expiry: { month: 12, year: 2030 }, name: 'Jane Doe' };
const HSM_LABELS = { signing: 'us-signing', tsm: 'us-tsm', kek: 'us-kek-1' };

function newVault(kek = randomBytes(32), panHashKey = randomBytes(32)): Vault {
  return new Vault({ keyProvider: new LocalKeyProvider({ kekId: 'kek-1', kek }), panHashKey });
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomicileError);
  expect((error as Error).message).not.toContain(CARD.pan);
  return vaultFailureOf(error);
}

describe('Vault', () => {
  let db: Kysely<Database>;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('opens what it sealed', async () => {
    const vault = newVault();
    const row = await vault.seal(CARD);
    await db.transaction().execute((trx) => vault.insert(trx, row));
    expect(await vault.open(db, row.id)).toEqual(CARD);
    expect(row.pan_hash).toBe(vault.panHash(CARD.pan));
    expect(row.kek_id).toBe('kek-1');
  });

  it('seals the same card differently each time', async () => {
    const vault = newVault();
    const [a, b] = await Promise.all([vault.seal(CARD), vault.seal(CARD)]);
    expect(a.id).not.toBe(b.id);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrapped_key).not.toBe(b.wrapped_key);
    expect(a.iv).not.toBe(b.iv);
    expect(a.pan_hash).toBe(b.pan_hash);
  });

  it('keeps no digit run of the card number in the row', async () => {
    const pan = '4000555566660028';
    const row = await newVault().seal({ ...CARD, pan });
    for (const [column, value] of Object.entries(row)) {
      if (typeof value !== 'string' || column === 'created_at') continue;
      // Six digits is the shortest prefix that identifies an issuer; random base64url text
      // only rarely holds a run that long, and never the card's.
      for (const run of value.match(/\d{6,}/g) ?? []) expect(pan).not.toContain(run);
      expect(value).not.toContain(pan.slice(-4));
    }
  });

  it('never stores a CVV handed to it by mistake', async () => {
    const vault = newVault();
    const row = await vault.seal({ ...CARD, cvv: '123' } as typeof CARD);
    await vault.insert(db, row);
    expect(await vault.open(db, row.id)).not.toHaveProperty('cvv');
  });

  it('refuses a tampered ciphertext', async () => {
    const vault = newVault();
    const row = await vault.seal(CARD);
    const bytes = Buffer.from(row.ciphertext, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    await vault.insert(db, { ...row, ciphertext: bytes.toString('base64url') });
    expect(await reasonOf(vault.open(db, row.id))).toBe('decryption_failed');
  });

  it('refuses a ciphertext moved to another row (the id is the AAD)', async () => {
    const vault = newVault();
    const a = await vault.seal(CARD);
    const b = await vault.seal({ ...CARD, pan: '5100123456780053' });
    await vault.insert(db, {
      ...b,
      iv: a.iv,
      ciphertext: a.ciphertext,
      tag: a.tag,
      wrapped_key: a.wrapped_key,
    });
    expect(await reasonOf(vault.open(db, b.id))).toBe('decryption_failed');
  });

  it('cannot open a record after erase (crypto-shredding)', async () => {
    const vault = newVault();
    const row = await vault.seal(CARD);
    await vault.insert(db, row);
    expect(await db.transaction().execute((trx) => vault.erase(trx, row.id))).toBe(true);
    expect(await vault.erase(db, row.id)).toBe(false);
    const stored = await db
      .selectFrom('vault_records')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(stored.wrapped_key).toBeNull();
    expect(stored.erased_at).not.toBeNull();
    expect(await reasonOf(vault.open(db, row.id))).toBe('record_erased');
    await expect(vault.open(db, row.id)).rejects.toMatchObject({
      code: 'VAULT_RECORD_ERASED',
      status: 410,
    });
  });

  it('fails with a typed error for a missing record or another KEK', async () => {
    const vault = newVault();
    expect(await reasonOf(vault.open(db, 'no-such-record'))).toBe('record_not_found');
    const row = await vault.seal(CARD);
    await vault.insert(db, row);
    expect(await reasonOf(newVault().open(db, row.id))).toBe('key_unwrap_failed');
    await db.updateTable('vault_records').set({ kek_id: 'kek-9' }).execute();
    expect(await reasonOf(vault.open(db, row.id))).toBe('kek_unknown');
  });

  it('rejects a malformed card number without echoing it', async () => {
    const error = await newVault()
      .seal({ ...CARD, pan: '4111111111111112' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CARD_DETAILS_INVALID' });
    expect(JSON.stringify((error as DomicileError).toBody())).not.toContain('4111111111111112');
  });

  it('hashes card numbers stably per key and differently across keys', () => {
    const key = randomBytes(32);
    expect(newVault(undefined, key).panHash(CARD.pan)).toBe(
      newVault(undefined, key).panHash(CARD.pan),
    );
    expect(newVault().panHash(CARD.pan)).not.toBe(newVault().panHash(CARD.pan));
    expect(newVault(undefined, key).panHash(CARD.pan)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

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
      await generatePkcs11RegionKeys(token, HSM_LABELS);
      const keyProvider = await Pkcs11KeyProvider.open(token, { kekLabel: HSM_LABELS.kek });
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
      expect(row.kek_id).toBe(HSM_LABELS.kek);
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
        keyProvider: new LocalKeyProvider({ kekId: HSM_LABELS.kek, kek: randomBytes(32) }),
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
