import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { DomicileError, api, lruGet } from '@domicile/protocol';
import { liveCredentialCount } from '../credentials/index.js';
import { CardProductSchema, type CardProduct } from '../issuer/index.js';
import {
  columnsOf,
  jsonColumn,
  precompiled,
  qualified,
  type PrecompiledQuery,
  type CredentialRow,
  type Database,
  type SessionRow,
  type SessionUpdate,
} from '../storage/index.js';
import { panHashOfRecord } from '../vault/index.js';

/** The issuer's card product, as eligibility returned it: terms, contact, art. */
export const sessionProductColumn = jsonColumn('provisioning_sessions.product', CardProductSchema);
/** The ID&V methods the issuer offered for a yellow decision. */
export const idvMethodsColumn = jsonColumn(
  'provisioning_sessions.idv_methods',
  Type.Array(api.IdvMethod),
);

/** A session lives this long from the provisioning message to tokenization. */
export const SESSION_LIFETIME_MS = 15 * 60_000;

/** Writes new sessions (one a provisioning message opened, or a batch of the seeding tool). */
export async function insertSessions(
  trx: Kysely<Database>,
  rows: readonly SessionRow[],
): Promise<void> {
  if (rows.length > 0) await trx.insertInto('provisioning_sessions').values(rows).execute();
}

/**
 * Every column of a session row, by name (the record type keeps the list complete), in the
 * table's order: a statement that names its columns is prepared once per PostgreSQL connection,
 * where one with `provisioning_sessions.*` was parsed and planned at every call (`preparedName`),
 * at every step of every flow.
 */
const SESSION_COLUMNS = qualified(
  'provisioning_sessions',
  columnsOf<SessionRow>({
    id: true,
    account_id: true,
    device_id: true,
    state: true,
    routing_prefix: true,
    last4: true,
    network: true,
    decision: true,
    reason: true,
    product: true,
    terms_id: true,
    terms_hash: true,
    terms_accepted_at: true,
    vault_record_id: true,
    idv_methods: true,
    idv_method: true,
    idv_code_hash: true,
    idv_expires_at: true,
    idv_tries_left: true,
    credential_id: true,
    expires_at: true,
    created_at: true,
    updated_at: true,
  }),
);

/** A session of the device: every step of a flow reads its session first. */
function sessionOf(db: Kysely<Database>, sessionId: string, deviceId: string) {
  return db
    .selectFrom('provisioning_sessions')
    .select(SESSION_COLUMNS)
    .where('provisioning_sessions.id', '=', sessionId)
    .where('provisioning_sessions.device_id', '=', deviceId);
}

// Compiled once each; what a step reads besides its session rides in the same statement.
const sessionOfDevice = precompiled(2, sessionOf);
const sessionWithLiveCredentials = precompiled(
  3,
  (db, sessionId: string, deviceId: string, accountId: string) =>
    sessionOf(db, sessionId, deviceId).select(
      liveCredentialCount(db, accountId).as('live_credentials'),
    ),
);
const sessionWithPanHash = precompiled(2, (db, sessionId: string, deviceId: string) =>
  sessionOf(db, sessionId, deviceId).select(
    panHashOfRecord(db, 'provisioning_sessions.vault_record_id').as('vault_pan_hash'),
  ),
);

/** A session as read, if it is the device's and not expired (a tokenized one never expires). */
function usableSession<Row extends SessionRow>(row: Row | undefined, now: Date): Row {
  if (row === undefined) throw new DomicileError('SESSION_NOT_FOUND');
  if (row.state !== 'tokenized' && Date.parse(row.expires_at) <= now.getTime())
    throw new DomicileError('SESSION_EXPIRED');
  return row;
}

/** Loads a session of the calling device; another device's session reads as not found. */
export async function loadSession(
  db: Kysely<Database>,
  sessionId: string,
  deviceId: string,
  now: Date,
): Promise<SessionRow> {
  const [row] = (await sessionOfDevice.execute(db, sessionId, deviceId)).rows;
  return usableSession(row, now);
}

/**
 * {@link loadSession}, with how many of the account's credentials are live (the standing that
 * eligibility sends the issuer), in the same statement.
 */
export async function loadSessionWithLiveCredentials(
  db: Kysely<Database>,
  sessionId: string,
  who: { readonly deviceId: string; readonly accountId: string },
  now: Date,
): Promise<{ readonly session: SessionRow; readonly liveCredentials: number }> {
  const [row] = (
    await sessionWithLiveCredentials.execute(db, sessionId, who.deviceId, who.accountId)
  ).rows;
  const { live_credentials, ...session } = usableSession(row, now);
  return { session, liveCredentials: Number(live_credentials ?? 0) };
}

/**
 * {@link loadSession}, with the card hash of its vault record (null when it has none), in the same
 * statement: what tokenization checks against the device's other tokens.
 */
export async function loadSessionWithPanHash(
  db: Kysely<Database>,
  sessionId: string,
  deviceId: string,
  now: Date,
): Promise<{ readonly session: SessionRow; readonly panHash: string | null }> {
  const [row] = (await sessionWithPanHash.execute(db, sessionId, deviceId)).rows;
  const { vault_pan_hash, ...session } = usableSession(row, now);
  return { session, panHash: vault_pan_hash ?? null };
}

export function requireState(row: SessionRow, ...states: api.SessionState[]): void {
  if (!states.includes(row.state as api.SessionState)) {
    throw new DomicileError('SESSION_STATE', { details: { state: row.state, expected: states } });
  }
}

/** Each step's update of its session, by the columns it sets: compiled once per step. */
const advanceStatements = new Map<string, PrecompiledQuery<unknown[], unknown>>();

function advanceStatement(
  columns: readonly (keyof SessionUpdate)[],
): PrecompiledQuery<unknown[], unknown> {
  const shape = columns.join(',');
  let statement = advanceStatements.get(shape);
  if (statement === undefined) {
    statement = precompiled(columns.length + 4, (db, ...args: unknown[]) => {
      const [updatedAt, id, state, triesLeft] = args.slice(columns.length);
      const set = Object.fromEntries(columns.map((column, i) => [column, args[i]]));
      return db
        .updateTable('provisioning_sessions')
        .set({ ...(set as SessionUpdate), updated_at: updatedAt as string })
        .where('id', '=', id as string)
        .where('state', '=', state as string)
        .where('idv_tries_left', '=', triesLeft as number);
    });
    advanceStatements.set(shape, statement);
  }
  return statement;
}

/**
 * Moves a session on, only from the state (and try count) it was read in: of two racing requests
 * one wins and the other gets SESSION_STATE, on SQLite and PostgreSQL alike.
 */
export async function advanceSession(
  trx: Kysely<Database>,
  row: SessionRow,
  patch: SessionUpdate,
  now: Date,
): Promise<SessionRow> {
  const columns = Object.keys(patch).filter(
    (column) => patch[column as keyof SessionUpdate] !== undefined,
  ) as (keyof SessionUpdate)[];
  const values = columns.map((column) => patch[column]);
  const res = await advanceStatement(columns).execute(
    trx,
    ...values,
    now.toISOString(),
    row.id,
    row.state,
    row.idv_tries_left,
  );
  if (Number(res.numAffectedRows) !== 1) throw new DomicileError('SESSION_STATE');
  return { ...row, ...patch, updated_at: now.toISOString() } as SessionRow;
}

export function sessionView(row: SessionRow, region: string): api.SessionView {
  const view: api.SessionView = {
    id: row.id,
    region,
    state: row.state as api.SessionState,
    expiresAt: row.expires_at,
    last4: row.last4,
    network: row.network as api.SessionView['network'],
  };
  if (row.decision !== null) view.decision = row.decision as api.Decision;
  if (row.reason !== null) view.reason = row.reason;
  if (row.idv_methods !== null && (row.state === 'idv_required' || row.state === 'idv_pending')) {
    view.idvMethods = idvMethodsColumn.decode(row.idv_methods);
  }
  if (row.state === 'idv_pending') view.idvTriesLeft = row.idv_tries_left;
  return view;
}

/**
 * The card product of a session past eligibility. Decoded here, and only here, against the
 * issuer gateway's schema: every reader of the product (the session's later steps, the TSM, the
 * lifecycle, payments) gets a checked value.
 * @throws DomicileError `INTERNAL` when the session holds no product (it has not been through
 *   eligibility), JsonColumnError when what it holds is not a card product.
 */
export function sessionProduct(row: Pick<SessionRow, 'product'>): CardProduct {
  if (row.product === null)
    throw new DomicileError('INTERNAL', {
      details: { reason: "the credential's session holds no card product" },
    });
  return sessionProductColumn.decode(row.product);
}

/**
 * How many credentials' products a process remembers by session id. An entry is the id and a
 * product shared by every session that stored the same text (a region has a few products), so
 * 10,000 entries are about 1 MiB; each entry used to hold its own decoded copy (about 2 KiB), and
 * with 1,000,000 tokens, where almost every authorization misses, the full cache was 20 MiB of old
 * space whose entries died as fast as they were made (twice the full collections of a region with
 * 1,000 tokens, `bench/scale-only.ts`).
 */
export const PRODUCT_CACHE_ENTRIES = 10_000;
/** Distinct product texts kept decoded: products and their terms versions, not sessions. */
const PRODUCT_TEXTS = 256;

// A script and an authorization that miss the cache read one of these: compiled once.
const productOfSession = precompiled(1, (db, sessionId: string) =>
  db.selectFrom('provisioning_sessions').select('product').where('id', '=', sessionId),
);

/** Per database: products by session id (a credential's product never changes) and by text. */
const productCaches = new WeakMap<
  Kysely<Database>,
  { bySession: Map<string, CardProduct>; byText: Map<string, CardProduct> }
>();

/**
 * The card product that the issuer returned at eligibility, read from the credential's
 * provisioning session: nothing new is stored and the issuer is not asked again, so a script
 * shows the terms the user actually accepted. A `productFor` for the TSM worker. A credential
 * exists only once its session is tokenized, after which the session's product is never written
 * again: so it is kept, decoded, for the next authorization or script of the same card (the
 * oldest entry goes first once the cache is full). The decoded product is shared by every
 * session whose text is the same, and must not be changed.
 */
export function productFromSession(
  db: Kysely<Database>,
): (credential: Pick<CredentialRow, 'session_id'>) => Promise<CardProduct> {
  let cache = productCaches.get(db);
  if (cache === undefined)
    productCaches.set(db, (cache = { bySession: new Map(), byText: new Map() }));
  const { bySession, byText } = cache;
  return async (credential) => {
    const known = bySession.get(credential.session_id);
    if (known !== undefined) return known;
    const [row] = (await productOfSession.execute(db, credential.session_id)).rows;
    const text = row?.product ?? null;
    const product =
      text === null
        ? sessionProduct({ product: null })
        : lruGet(byText, text, PRODUCT_TEXTS, () => sessionProduct({ product: text }));
    lruGet(bySession, credential.session_id, PRODUCT_CACHE_ENTRIES, () => product);
    return product;
  };
}

/** The card product of a session, or undefined when there is no such session or it holds none. */
export async function findSessionProduct(
  db: Kysely<Database>,
  sessionId: string,
): Promise<CardProduct | undefined> {
  const [row] = (await productOfSession.execute(db, sessionId)).rows;
  return row?.product == null ? undefined : sessionProductColumn.decode(row.product);
}
