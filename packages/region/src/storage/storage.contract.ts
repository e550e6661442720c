import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomicileError } from '@domicile/protocol';
import type { Database } from './database.js';
import { migrationProvider, sqlDialectOf } from './migrations/index.js';
import { purgeExpiredBatch } from './expired-rows.js';
import { isUniqueViolation, migrateToLatest } from './open-database.js';
import * as f from './storage.fixtures.js';

/** An adapter under test: a fresh, empty (not yet migrated) database and how to dispose of it. */
export interface StorageHandle {
  db: Kysely<Database>;
  close(): Promise<void>;
}

type Check = (db: Kysely<Database>) => Promise<void>;

const TABLES: Record<keyof Database, true> = {
  accounts: true,
  devices: true,
  single_use_ids: true,
  idempotency_keys: true,
  node_leases: true,
  provisioning_sessions: true,
  vault_records: true,
  credentials: true,
  notifications: true,
  assets: true,
  tsm_scripts: true,
  issuer_outbox: true,
  audit_log: true,
  audit_chain_head: true,
  audit_checkpoints: true,
  residency_index: true,
  lost_reports: true,
  region_outbox: true,
  lost_device_receipts: true,
  webhook_deliveries: true,
  credential_lifecycle: true,
  transactions: true,
  authorization_requests: true,
  join_requests: true,
  console_sessions: true,
};

const INDEXES = [
  'devices_account_id_idx',
  'single_use_ids_expires_at_idx',
  'provisioning_sessions_device_id_idx',
  'vault_records_pan_hash_idx',
  'credentials_device_id_idx',
  'credentials_live_card_unique',
  'notifications_device_id_id_idx',
  'tsm_scripts_state_idx',
  'lost_reports_device_id_idx',
  'region_outbox_next_attempt_at_idx',
  'webhook_deliveries_due_idx',
  'credential_lifecycle_product_id_idx',
  'transactions_device_id_created_at_idx',
  'credentials_account_id_state_idx',
  'provisioning_sessions_abandoned_idx',
  'idempotency_keys_updated_at_idx',
  'authorization_requests_created_at_idx',
  'vault_records_live_kek_idx',
  'audit_log_seq_idx',
  'join_requests_account_id_idx',
  'console_sessions_expires_at_idx',
  'audit_log_action_at_idx',
  'transactions_created_at_idx',
];

async function indexNames(db: Kysely<Database>): Promise<string[]> {
  const query =
    sqlDialectOf(db) === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'index'`
      : sql<{
          name: string;
        }>`select indexname as name from pg_indexes where schemaname = current_schema()`;
  return (await query.execute(db)).rows.map((row) => row.name);
}

const roundTrips: Record<keyof Database, Check> = {
  accounts: async (db) => {
    const rows = [f.registeredAccount(), f.guestAccount()];
    await db.insertInto('accounts').values(rows).execute();
    expect(
      await db
        .selectFrom('accounts')
        .selectAll()
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('kind', 'desc')
        .execute(),
    ).toEqual(rows);
  },
  devices: async (db) => {
    const row = f.device({ model: 'Pixel 9' });
    await db.insertInto('devices').values(row).execute();
    expect(
      await db.selectFrom('devices').selectAll().where('id', '=', row.id).executeTakeFirst(),
    ).toEqual(row);
  },
  single_use_ids: async (db) => {
    const rows = (
      ['dpop', 'network', 'issuer', 'region', 'assertion', 'push_payload'] as const
    ).map((kind) => f.singleUseId({ kind }));
    await db.insertInto('single_use_ids').values(rows).execute();
    expect(
      await db
        .selectFrom('single_use_ids')
        .selectAll()
        .where(
          'jti',
          'in',
          rows.map((r) => r.jti),
        )
        .orderBy('kind')
        .execute(),
    ).toEqual([...rows].sort((a, b) => a.kind.localeCompare(b.kind)));
  },
  idempotency_keys: async (db) => {
    const row = f.idempotencyKey();
    await db.insertInto('idempotency_keys').values(row).execute();
    expect(
      await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('scope', '=', row.scope)
        .executeTakeFirst(),
    ).toEqual(row);
    // An in-flight reservation made before incarnations existed: every result column null.
    const legacy = f.idempotencyKey({
      state: 'in_flight',
      status_code: null,
      response_body: null,
      incarnation: null,
    });
    await db.insertInto('idempotency_keys').values(legacy).execute();
    expect(
      await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('scope', '=', legacy.scope)
        .executeTakeFirst(),
    ).toEqual(legacy);
  },
  node_leases: async (db) => {
    // One listening, one not yet.
    const rows = [f.nodeLease(), f.nodeLease({ address: null })];
    await db.insertInto('node_leases').values(rows).execute();
    const found = await db
      .selectFrom('node_leases')
      .selectAll()
      .where(
        'incarnation',
        'in',
        rows.map((r) => r.incarnation),
      )
      .execute();
    expect(found).toHaveLength(2);
    expect(found).toEqual(expect.arrayContaining(rows));
  },
  provisioning_sessions: async (db) => {
    const row = f.session();
    await db.insertInto('provisioning_sessions').values(row).execute();
    expect(
      await db
        .selectFrom('provisioning_sessions')
        .selectAll()
        .where('id', '=', row.id)
        .executeTakeFirst(),
    ).toEqual(row);
  },
  vault_records: async (db) => {
    const row = f.vaultRecord();
    await db.insertInto('vault_records').values(row).execute();
    expect(
      await db.selectFrom('vault_records').selectAll().where('id', '=', row.id).executeTakeFirst(),
    ).toEqual(row);
  },
  credentials: async (db) => {
    const row = f.credential({ last_used_at: '2025-01-02T03:04:05.678Z' });
    await db.insertInto('credentials').values(row).execute();
    expect(
      await db.selectFrom('credentials').selectAll().where('id', '=', row.id).executeTakeFirst(),
    ).toEqual(row);
  },
  notifications: async (db) => {
    const row = f.notification();
    const { id } = await db
      .insertInto('notifications')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(
      await db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst(),
    ).toEqual({ id, ...row });
  },
  assets: async (db) => {
    const row = f.asset();
    await db.insertInto('assets').values(row).execute();
    expect(
      await db.selectFrom('assets').selectAll().where('id', '=', row.id).executeTakeFirst(),
    ).toEqual(row);
  },
  tsm_scripts: async (db) => {
    const row = f.tsmScript();
    await db.insertInto('tsm_scripts').values(row).execute();
    expect(
      await db.selectFrom('tsm_scripts').selectAll().where('id', '=', row.id).executeTakeFirst(),
    ).toEqual(row);
  },
  issuer_outbox: async (db) => {
    const row = f.issuerOutboxMessage();
    const { id } = await db
      .insertInto('issuer_outbox')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(
      await db.selectFrom('issuer_outbox').selectAll().where('id', '=', id).executeTakeFirst(),
    ).toEqual({ id, ...row });
  },
  audit_log: async (db) => {
    const row = f.auditEntry();
    const { id } = await db
      .insertInto('audit_log')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(
      await db.selectFrom('audit_log').selectAll().where('id', '=', id).executeTakeFirst(),
    ).toEqual({ id, ...row });
  },
  audit_chain_head: async (db) => {
    // The migration made the region's one chain, from the genesis; a second chain is only a probe.
    expect(
      await db.selectFrom('audit_chain_head').selectAll().where('chain', '=', 'audit').execute(),
    ).toEqual([expect.objectContaining({ chain: 'audit' })]);
    const row = { chain: `probe-${randomUUID()}`, seq: 2 ** 40, hash: 'ab'.repeat(32) };
    await db.insertInto('audit_chain_head').values(row).execute();
    expect(
      await db
        .selectFrom('audit_chain_head')
        .selectAll()
        .where('chain', '=', row.chain)
        .executeTakeFirst(),
    ).toEqual(row);
  },
  audit_checkpoints: async (db) => {
    const row = f.auditCheckpoint();
    await db.insertInto('audit_checkpoints').values(row).execute();
    expect(
      await db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .where('seq', '=', row.seq)
        .executeTakeFirst(),
    ).toEqual(row);
  },
  residency_index: async (db) => {
    const row = f.residencyEntry();
    await db.insertInto('residency_index').values(row).execute();
    expect(
      await db
        .selectFrom('residency_index')
        .selectAll()
        .where('account_id', '=', row.account_id)
        .executeTakeFirst(),
    ).toEqual(row);
  },
  lost_reports: async (db) => {
    const row = f.lostReport();
    await db.insertInto('lost_reports').values(row).execute();
    expect(
      await db.selectFrom('lost_reports').selectAll().where('id', '=', row.id).executeTakeFirst(),
    ).toEqual(row);
  },
  region_outbox: async (db) => {
    const rows = [
      f.regionOutboxRow(),
      f.regionOutboxRow({
        attempts: 0,
        confirmed_at: null,
        last_error: null,
        response: null,
        suspended: null,
      }),
    ];
    await db.insertInto('region_outbox').values(rows).execute();
    expect(
      await db
        .selectFrom('region_outbox')
        .selectAll()
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('attempts', 'desc')
        .execute(),
    ).toEqual(rows);
  },
  join_requests: async (db) => {
    const rows = [
      f.joinRequest(),
      f.joinRequest({
        method: 'approval',
        model: null,
        state: 'approved',
        code_hash: null,
        decided_at: f.NOW,
        decided_by: 'device:d1',
        device_id: 'd2',
      }),
    ];
    await db.insertInto('join_requests').values(rows).execute();
    expect(
      await db
        .selectFrom('join_requests')
        .selectAll()
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('method', 'desc')
        .execute(),
    ).toEqual(rows);
  },
  lost_device_receipts: async (db) => {
    const row = f.lostDeviceReceipt();
    await db.insertInto('lost_device_receipts').values(row).execute();
    expect(
      await db
        .selectFrom('lost_device_receipts')
        .selectAll()
        .where('report_id', '=', row.report_id)
        .executeTakeFirst(),
    ).toEqual(row);
  },
  webhook_deliveries: async (db) => {
    const rows = [
      f.webhookDelivery(),
      f.webhookDelivery({ attempts: 0, delivered_at: null, last_error: null }),
    ];
    await db.insertInto('webhook_deliveries').values(rows).execute();
    expect(
      await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where(
          'event_id',
          'in',
          rows.map((r) => r.event_id),
        )
        .orderBy('attempts', 'desc')
        .execute(),
    ).toEqual(rows);
  },
  credential_lifecycle: async (db) => {
    const rows = [
      f.credentialLifecycle(),
      f.credentialLifecycle({
        product_id: 'us-prairie-mastercard',
        suspended_by: null,
        resume_state: null,
      }),
    ];
    await db.insertInto('credential_lifecycle').values(rows).execute();
    expect(
      await db
        .selectFrom('credential_lifecycle')
        .selectAll()
        .where(
          'credential_id',
          'in',
          rows.map((r) => r.credential_id),
        )
        .orderBy('product_id')
        .execute(),
    ).toEqual(rows);
  },
  transactions: async (db) => {
    const rows = [
      f.transaction(),
      f.transaction({
        approved: 0,
        reason: 'atc_replayed',
        response_code: '82',
        amount_minor: 0,
        channel: 'in_store',
        arpc: null,
        csu: null,
      }),
    ];
    await db.insertInto('transactions').values(rows).execute();
    expect(
      await db
        .selectFrom('transactions')
        .selectAll()
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('approved', 'desc')
        .execute(),
    ).toEqual(rows);
  },
  authorization_requests: async (db) => {
    const rows = [
      f.authorizationRequest({ request_id: 'ACQ1:20261201:000041' }),
      f.authorizationRequest({ request_id: 'ACQ1:20261201:000042', early_decline: 'atc_replayed' }),
    ];
    await db.insertInto('authorization_requests').values(rows).execute();
    expect(
      await db
        .selectFrom('authorization_requests')
        .selectAll()
        .where(
          'request_id',
          'in',
          rows.map((r) => r.request_id),
        )
        .orderBy('request_id')
        .execute(),
    ).toEqual(rows);
  },
  console_sessions: async (db) => {
    const row = f.consoleSession();
    await db.insertInto('console_sessions').values(row).execute();
    expect(
      await db
        .selectFrom('console_sessions')
        .selectAll()
        .where('id_hash', '=', row.id_hash)
        .executeTakeFirst(),
    ).toEqual(row);
  },
};

/** Inserts a row, then returns the insertion of a second row that collides with it. */
const uniqueCases: Record<string, (db: Kysely<Database>) => Promise<() => Promise<unknown>>> = {
  'accounts primary key': async (db) => {
    const row = f.registeredAccount();
    await db.insertInto('accounts').values(row).execute();
    return () =>
      db
        .insertInto('accounts')
        .values(f.guestAccount({ id: row.id }))
        .execute();
  },
  'accounts (home_region, pseudonym)': async (db) => {
    const row = f.guestAccount();
    await db.insertInto('accounts').values(row).execute();
    return () =>
      db
        .insertInto('accounts')
        .values(f.guestAccount({ pseudonym: row.pseudonym }))
        .execute();
  },
  'devices primary key': async (db) => {
    const row = f.device();
    await db.insertInto('devices').values(row).execute();
    return () =>
      db
        .insertInto('devices')
        .values(f.device({ id: row.id }))
        .execute();
  },
  'devices jkt': async (db) => {
    const row = f.device();
    await db.insertInto('devices').values(row).execute();
    return () =>
      db
        .insertInto('devices')
        .values(f.device({ jkt: row.jkt }))
        .execute();
  },
  'single_use_ids (kind, scope, jti)': async (db) => {
    const row = f.singleUseId();
    await db.insertInto('single_use_ids').values(row).execute();
    return () =>
      db
        .insertInto('single_use_ids')
        .values(f.singleUseId({ kind: row.kind, scope: row.scope, jti: row.jti }))
        .execute();
  },
  'idempotency_keys (scope, key)': async (db) => {
    const row = f.idempotencyKey();
    await db.insertInto('idempotency_keys').values(row).execute();
    return () =>
      db
        .insertInto('idempotency_keys')
        .values(f.idempotencyKey({ scope: row.scope, key: row.key }))
        .execute();
  },
  'node_leases incarnation': async (db) => {
    const row = f.nodeLease();
    await db.insertInto('node_leases').values(row).execute();
    return () =>
      db
        .insertInto('node_leases')
        .values(f.nodeLease({ incarnation: row.incarnation }))
        .execute();
  },
  'provisioning_sessions primary key': async (db) => {
    const row = f.session();
    await db.insertInto('provisioning_sessions').values(row).execute();
    return () =>
      db
        .insertInto('provisioning_sessions')
        .values(f.session({ id: row.id }))
        .execute();
  },
  'vault_records primary key': async (db) => {
    const row = f.vaultRecord();
    await db.insertInto('vault_records').values(row).execute();
    return () =>
      db
        .insertInto('vault_records')
        .values(f.vaultRecord({ id: row.id }))
        .execute();
  },
  'credentials token_ref': async (db) => {
    const row = f.credential();
    await db.insertInto('credentials').values(row).execute();
    return () =>
      db
        .insertInto('credentials')
        .values(f.credential({ token_ref: row.token_ref }))
        .execute();
  },
  'credentials token_number': async (db) => {
    const row = f.credential();
    await db.insertInto('credentials').values(row).execute();
    return () =>
      db
        .insertInto('credentials')
        .values(f.credential({ token_number: row.token_number }))
        .execute();
  },
  'assets sha256': async (db) => {
    const row = f.asset();
    await db.insertInto('assets').values(row).execute();
    return () =>
      db
        .insertInto('assets')
        .values(f.asset({ sha256: row.sha256 }))
        .execute();
  },
  'tsm_scripts credential_id': async (db) => {
    const row = f.tsmScript();
    await db.insertInto('tsm_scripts').values(row).execute();
    return () =>
      db
        .insertInto('tsm_scripts')
        .values(f.tsmScript({ credential_id: row.credential_id }))
        .execute();
  },
  'residency_index (account_id, region)': async (db) => {
    const row = f.residencyEntry();
    await db.insertInto('residency_index').values(row).execute();
    return () =>
      db
        .insertInto('residency_index')
        .values(f.residencyEntry({ account_id: row.account_id, region: row.region }))
        .execute();
  },
  'region_outbox (report_id, target_region)': async (db) => {
    const row = f.regionOutboxRow();
    await db.insertInto('region_outbox').values(row).execute();
    return () =>
      db
        .insertInto('region_outbox')
        .values(f.regionOutboxRow({ report_id: row.report_id, target_region: row.target_region }))
        .execute();
  },
  'lost_device_receipts (home_region, report_id)': async (db) => {
    const row = f.lostDeviceReceipt();
    await db.insertInto('lost_device_receipts').values(row).execute();
    return () =>
      db
        .insertInto('lost_device_receipts')
        .values(f.lostDeviceReceipt({ report_id: row.report_id }))
        .execute();
  },
  'webhook_deliveries event_id': async (db) => {
    const row = f.webhookDelivery();
    await db.insertInto('webhook_deliveries').values(row).execute();
    return () =>
      db
        .insertInto('webhook_deliveries')
        .values(f.webhookDelivery({ event_id: row.event_id }))
        .execute();
  },
  'credential_lifecycle token_ref': async (db) => {
    const row = f.credentialLifecycle();
    await db.insertInto('credential_lifecycle').values(row).execute();
    return () =>
      db
        .insertInto('credential_lifecycle')
        .values(f.credentialLifecycle({ token_ref: row.token_ref }))
        .execute();
  },
  'authorization_requests network and request id': async (db) => {
    const row = f.authorizationRequest();
    await db.insertInto('authorization_requests').values(row).execute();
    return () =>
      db
        .insertInto('authorization_requests')
        .values(f.authorizationRequest({ request_id: row.request_id }))
        .execute();
  },
  'transactions primary key': async (db) => {
    const row = f.transaction();
    await db.insertInto('transactions').values(row).execute();
    return () =>
      db
        .insertInto('transactions')
        .values(f.transaction({ id: row.id }))
        .execute();
  },
};

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected the statement to fail');
    },
    (error: unknown) => error,
  );

/**
 * The storage contract: every adapter runs these same tests. `open` must return a fresh,
 * empty database each time it is called; it is called once for the suite and once more for each
 * migration test.
 */
export function describeStorageContract(name: string, open: () => Promise<StorageHandle>): void {
  describe(`storage contract: ${name}`, () => {
    let handle: StorageHandle | undefined;
    const db = (): Kysely<Database> => {
      if (handle === undefined) throw new Error('the database did not open');
      return handle.db;
    };
    beforeAll(async () => {
      handle = await open();
      await migrateToLatest(handle.db);
    });
    afterAll(async () => {
      await handle?.close();
    });

    describe('migrations', () => {
      it('create exactly the tables of database.ts', async () => {
        const names = (await db().introspection.getTables())
          .map((t) => t.name)
          .filter((n) => !n.startsWith('kysely_'));
        expect(names.sort()).toEqual(Object.keys(TABLES).sort());
      });

      it('create the indexes', async () => {
        expect(await indexNames(db())).toEqual(expect.arrayContaining(INDEXES));
      });

      it('are idempotent, run again or concurrently', async () => {
        await migrateToLatest(db());
        await Promise.all([migrateToLatest(db()), migrateToLatest(db())]);
      });

      it('report the failing migration as CONFIG_INVALID and leave no half-made schema', async () => {
        const fresh = await open();
        try {
          await fresh.db.schema.createTable('audit_log').addColumn('squatter', 'integer').execute();
          const error = await rejection(migrateToLatest(fresh.db));
          expect(isDomicileError(error, 'CONFIG_INVALID')).toBe(true);
          expect(isDomicileError(error) ? error.details : undefined).toMatchObject({
            migration: '0001_initial',
          });
          const names = (await fresh.db.introspection.getTables())
            .map((t) => t.name)
            .filter((n) => !n.startsWith('kysely_'));
          expect(names).toEqual(['audit_log']);
        } finally {
          await fresh.close();
        }
      });
    });

    describe('migration 0007_single_use_ids', () => {
      it('moves the single-use ids of the five former tables into one, each under its kind', async () => {
        const fresh = await open();
        try {
          const { error } = await new Migrator({
            db: fresh.db,
            provider: migrationProvider,
          }).migrateTo('0006_housekeeping_indexes');
          expect(error).toBeUndefined();
          const at = '2030-01-01T00:02:00.000Z';
          const former = [
            ['dpop_jtis', 'jkt', 'dpop'],
            ['network_jtis', 'network', 'network'],
            ['issuer_api_jtis', 'issuer_id', 'issuer'],
            ['region_request_jtis', 'issuer', 'region'],
            ['assertion_jtis', 'issuer', 'assertion'],
          ] as const;
          for (const [table, scope, kind] of former)
            await sql`insert into ${sql.table(table)} (${sql.ref(scope)}, jti, expires_at)
              values (${`${kind}-signer`}, ${`${kind}-jti-0123456789`}, ${at})`.execute(fresh.db);
          await migrateToLatest(fresh.db);
          expect(
            await fresh.db.selectFrom('single_use_ids').selectAll().orderBy('kind').execute(),
          ).toEqual(
            former
              .map(([, , kind]) => ({
                kind,
                scope: `${kind}-signer`,
                jti: `${kind}-jti-0123456789`,
                expires_at: at,
              }))
              .sort((a, b) => a.kind.localeCompare(b.kind)),
          );
        } finally {
          await fresh.close();
        }
      });
    });

    describe('migration 0017_credentials_last_used_at', () => {
      it("gives each credential its last transaction's time, null for one never used, and drops the transactions' credential index", async () => {
        const fresh = await open();
        try {
          const { error } = await new Migrator({
            db: fresh.db,
            provider: migrationProvider,
          }).migrateTo('0016_single_use_ids_without_rowid');
          expect(error).toBeUndefined();
          const [used, unused, other] = [f.credential(), f.credential(), f.credential()];
          const [earlier, later] = ['2025-01-02T00:00:01.000Z', '2025-03-04T00:00:02.000Z'];
          await fresh.db
            .insertInto('credentials')
            .values([used, unused].map(f.credentialBefore0017))
            .execute();
          await fresh.db
            .insertInto('transactions')
            .values([
              f.transaction({ credential_id: used.id, created_at: later }),
              f.transaction({ credential_id: used.id, created_at: earlier, approved: 0 }),
              // Another token's later transaction is not theirs.
              f.transaction({ credential_id: other.id, created_at: '2026-01-01T00:00:00.000Z' }),
            ])
            .execute();
          await migrateToLatest(fresh.db);
          const rows = await fresh.db
            .selectFrom('credentials')
            .select(['id', 'last_used_at'])
            .execute();
          expect(new Map(rows.map((r) => [r.id, r.last_used_at]))).toEqual(
            new Map([
              [used.id, later],
              [unused.id, null],
            ]),
          );
          expect(await indexNames(fresh.db)).not.toContain('transactions_credential_id_idx');
        } finally {
          await fresh.close();
        }
      });
    });

    describe('round-trips a row of', () => {
      for (const [table, check] of Object.entries(roundTrips)) it(table, () => check(db()));
    });

    describe('unique constraints', () => {
      for (const [constraint, arrange] of Object.entries(uniqueCases)) {
        it(`${constraint} refuses a duplicate, recognised by isUniqueViolation`, async () => {
          const insertDuplicate = await arrange(db());
          expect(isUniqueViolation(await rejection(insertDuplicate()))).toBe(true);
        });
      }

      it('let rows differ in any part of a composite key, and registered accounts share a null pseudonym', async () => {
        const guest = f.guestAccount();
        await db()
          .insertInto('accounts')
          .values([guest, f.guestAccount({ pseudonym: guest.pseudonym, home_region: 'cn' })])
          .execute();
        await db()
          .insertInto('accounts')
          .values([f.registeredAccount(), f.registeredAccount()])
          .execute();
        const id = f.singleUseId();
        await db()
          .insertInto('single_use_ids')
          .values([
            id,
            f.singleUseId({ jti: id.jti, kind: id.kind }),
            f.singleUseId({ jti: id.jti, scope: id.scope, kind: 'network' }),
          ])
          .execute();
        const key = f.idempotencyKey();
        await db()
          .insertInto('idempotency_keys')
          .values([key, f.idempotencyKey({ key: key.key })])
          .execute();
      });

      it('isUniqueViolation refuses other failures', async () => {
        expect(
          isUniqueViolation(await rejection(sql`select * from no_such_table`.execute(db()))),
        ).toBe(false);
        expect(
          isUniqueViolation(
            await rejection(sql`insert into single_use_ids (jti) values ('x')`.execute(db())),
          ),
        ).toBe(false);
        for (const value of [new Error('23505'), { code: 23505 }, '23505', null, undefined])
          expect(isUniqueViolation(value)).toBe(false);
      });
    });

    describe('expired single-use ids', () => {
      it("are purged a batch at a time, all of them, rows sharing a batch's last instant included, live ones kept", async () => {
        // Long before the fixtures' own rows, which this suite's other tests leave in the table.
        const at = (second: number): string =>
          new Date(Date.UTC(2001, 0, 1, 0, 0, second)).toISOString();
        // 25 expired rows, five to an instant, so batches of 7 end in the middle of an instant.
        const expired = Array.from({ length: 25 }, (_, i) =>
          f.singleUseId({ expires_at: at(Math.floor(i / 5)) }),
        );
        const live = [f.singleUseId({ expires_at: at(59) }), f.singleUseId({ expires_at: at(30) })];
        await db()
          .insertInto('single_use_ids')
          .values([...expired, ...live])
          .execute();
        const batches = [];
        for (let more = true; more;) {
          const batch = await purgeExpiredBatch(db(), 'single_use_ids', new Date(at(30)), {
            batchRows: 7,
          });
          batches.push(batch);
          more = batch.more;
        }
        // Seven rows a batch, rounded up to whole instants (five rows share each): 10, 10, 5.
        expect(batches).toEqual([
          { deleted: 10, more: true },
          { deleted: 10, more: true },
          { deleted: 5, more: false },
        ]);
        const left = await db()
          .selectFrom('single_use_ids')
          .select('jti')
          .where(
            'jti',
            'in',
            [...expired, ...live].map((r) => r.jti),
          )
          .execute();
        expect(left.map((r) => r.jti).sort()).toEqual(live.map((r) => r.jti).sort());
        expect(
          await purgeExpiredBatch(db(), 'single_use_ids', new Date(at(30)), { batchRows: 7 }),
        ).toEqual({
          deleted: 0,
          more: false,
        });
      });
    });

    describe('auto-increment ids', () => {
      const inserts: Record<
        'notifications' | 'issuer_outbox' | 'audit_log',
        (db: Kysely<Database>) => Promise<{ id: number }>
      > = {
        notifications: (d) =>
          d
            .insertInto('notifications')
            .values(f.notification())
            .returning('id')
            .executeTakeFirstOrThrow(),
        issuer_outbox: (d) =>
          d
            .insertInto('issuer_outbox')
            .values(f.issuerOutboxMessage())
            .returning('id')
            .executeTakeFirstOrThrow(),
        audit_log: (d) =>
          d
            .insertInto('audit_log')
            .values(f.auditEntry())
            .returning('id')
            .executeTakeFirstOrThrow(),
      };
      for (const [table, insert] of Object.entries(inserts)) {
        it(`${table}: numbers that strictly increase, never reused after a delete`, async () => {
          const ids: number[] = [];
          for (let i = 0; i < 5; i += 1) ids.push((await insert(db())).id);
          for (const id of ids) expect(typeof id).toBe('number');
          expect(ids).toEqual([...ids].sort((a, b) => a - b));
          expect(new Set(ids).size).toBe(ids.length);
          const last = ids.at(-1) ?? 0;
          await sql`delete from ${sql.table(table)} where id = ${last}`.execute(db());
          expect((await insert(db())).id).toBeGreaterThan(last);
        });
      }

      it('come back as numbers from a select and a count too', async () => {
        const row = await db()
          .selectFrom('audit_log')
          .select(['id', (eb) => eb.fn.countAll<number>().over().as('n')])
          .limit(1)
          .executeTakeFirstOrThrow();
        expect(typeof row.id).toBe('number');
        expect(typeof row.n).toBe('number');
      });
    });

    describe('transactions', () => {
      it('roll back every write when the body throws', async () => {
        const account = f.registeredAccount();
        const device = f.device({ account_id: account.id });
        const failure = db()
          .transaction()
          .execute(async (trx) => {
            await trx.insertInto('accounts').values(account).execute();
            await trx.insertInto('devices').values(device).execute();
            await trx
              .insertInto('notifications')
              .values(f.notification({ device_id: device.id }))
              .execute();
            await trx
              .insertInto('audit_log')
              .values(f.auditEntry({ subject: account.id }))
              .execute();
            throw new Error('boom');
          });
        await expect(failure).rejects.toThrow('boom');
        expect(
          await db().selectFrom('accounts').select('id').where('id', '=', account.id).execute(),
        ).toEqual([]);
        expect(
          await db().selectFrom('devices').select('id').where('id', '=', device.id).execute(),
        ).toEqual([]);
        expect(
          await db()
            .selectFrom('notifications')
            .select('id')
            .where('device_id', '=', device.id)
            .execute(),
        ).toEqual([]);
        expect(
          await db()
            .selectFrom('audit_log')
            .select('id')
            .where('subject', '=', account.id)
            .execute(),
        ).toEqual([]);
      });

      it('running concurrently lose no write', async () => {
        const credential = f.credential({ atc_last: 0 });
        await db().insertInto('credentials').values(credential).execute();
        const ids = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            db()
              .transaction()
              .execute(async (trx) => {
                await trx
                  .updateTable('credentials')
                  .set((eb) => ({ atc_last: eb('atc_last', '+', 1) }))
                  .where('id', '=', credential.id)
                  .execute();
                const { id } = await trx
                  .insertInto('notifications')
                  .values(f.notification({ device_id: credential.device_id, data: `{"n":${i}}` }))
                  .returning('id')
                  .executeTakeFirstOrThrow();
                return id;
              }),
          ),
        );
        expect(new Set(ids).size).toBe(20);
        const stored = await db()
          .selectFrom('notifications')
          .select('id')
          .where('device_id', '=', credential.device_id)
          .execute();
        expect(stored.map((r) => r.id).sort((a, b) => a - b)).toEqual(
          [...ids].sort((a, b) => a - b),
        );
        const { atc_last } = await db()
          .selectFrom('credentials')
          .select('atc_last')
          .where('id', '=', credential.id)
          .executeTakeFirstOrThrow();
        expect(atc_last).toBe(20);
      });
    });

    describe('notifications', () => {
      it('list in insertion order by id, per device, resumable after an id', async () => {
        const [a, b] = [f.device().id, f.device().id];
        const written: ReturnType<typeof f.notification>[] = [];
        for (let i = 0; i < 10; i += 1)
          written.push(f.notification({ device_id: i % 3 === 0 ? b : a, data: `{"seq":${i}}` }));
        for (const row of written) await db().insertInto('notifications').values(row).execute();

        const list = (device: string, afterId = 0) =>
          db()
            .selectFrom('notifications')
            .select(['id', 'data'])
            .where('device_id', '=', device)
            .where('id', '>', afterId)
            .orderBy('id')
            .execute();
        const all = await list(a);
        expect(all.map((r) => r.data)).toEqual(
          written.filter((w) => w.device_id === a).map((w) => w.data),
        );
        const third = all[2];
        if (third === undefined) throw new Error('expected at least three notifications');
        expect(await list(a, third.id)).toEqual(all.slice(3));
      });
    });
  });
}
