import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/index.js';
import { abandonedSessions, sweepExpiredSessions } from './session-sweeper.js';

const row = (id: string, state: string, expiresAt: string, vault: string | null) => ({
  id,
  account_id: 'a',
  device_id: 'd',
  state,
  routing_prefix: '41111111',
  last4: '1111',
  network: 'visa',
  decision: null,
  reason: null,
  product: null,
  terms_id: null,
  terms_hash: null,
  terms_accepted_at: null,
  vault_record_id: vault,
  idv_methods: null,
  idv_method: null,
  idv_code_hash: null,
  idv_expires_at: null,
  idv_tries_left: 0,
  credential_id: null,
  expires_at: expiresAt,
  created_at: expiresAt,
  updated_at: expiresAt,
});
const vault = (id: string) => ({
  id,
  pan_hash: 'h',
  kek_id: 'k',
  wrapped_key: 'w',
  iv: 'i',
  ciphertext: 'c',
  tag: 't',
  created_at: 'x',
  erased_at: null,
});

describe('sweepExpiredSessions', () => {
  it('deletes the vault records of expired, untokenized sessions only', async () => {
    const db = await openDatabase('sqlite::memory:');
    const past = '2020-01-01T00:00:00.000Z';
    const future = '2999-01-01T00:00:00.000Z';
    await db
      .insertInto('vault_records')
      .values([vault('v1'), vault('v2'), vault('v3')])
      .execute();
    await db
      .insertInto('provisioning_sessions')
      .values([
        row('abandoned', 'ready', past, 'v1'),
        row('tokenized', 'tokenized', past, 'v2'),
        row('live', 'ready', future, 'v3'),
      ])
      .execute();
    expect(await sweepExpiredSessions(db, new Date())).toEqual({ deleted: 1, more: false });
    expect(
      (await db.selectFrom('vault_records').select('id').orderBy('id').execute()).map((r) => r.id),
    ).toEqual(['v2', 'v3']);
    expect(await sweepExpiredSessions(db, new Date())).toEqual({ deleted: 0, more: false });
    await db.destroy();
  });

  it('finds them through the partial index, not by reading every session', async () => {
    const db = await openDatabase('sqlite::memory:');
    const query = abandonedSessions(db, new Date()).compile();
    const plan = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    await db.destroy();
    expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(
      /USING INDEX provisioning_sessions_abandoned_idx/,
    );
  });
});
