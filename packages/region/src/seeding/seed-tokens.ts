import type { Kysely } from 'kysely';
import { DomicileError, type RegionEntry } from '@domicile/protocol';
import { insertAccounts, insertDevices } from '../accounts/index.js';
import { storeCardArt } from '../assets/index.js';
import { insertCredentials } from '../credentials/index.js';
import { SANDBOX_PRODUCTS, TEST_CARDS, toCardProduct } from '../issuer/index.js';
import { fileKeyProvider, type RegionKeySet } from '../keys/index.js';
import { insertSessions } from '../sessions/index.js';
import type { Database } from '../storage/index.js';
import { Vault, type KeyProvider } from '../vault/index.js';
import { buildBatch, type SeedCard } from './seed-rows.js';

/** Options of {@link seedTokens}. */
export interface SeedTokensOptions {
  readonly db: Kysely<Database>;
  readonly keys: RegionKeySet;
  /** Wraps the records' data keys: the region's (`RegionKeyring.keyProvider`); default the key file's KEK. */
  readonly keyProvider?: KeyProvider;
  /** The region as the directory lists it: its id and token ranges. */
  readonly region: RegionEntry;
  readonly tokens: number;
  /** Index of the first seeded token ({@link seedTokenNumber}); seed again from where the last run ended. */
  readonly first?: number;
  /** Tokens written per database transaction; default 5,000. */
  readonly tokensPerTransaction?: number;
  readonly now?: Date;
  readonly onProgress?: (seeded: number) => void;
}

/** What was seeded, and what a card network needs to address the tokens. */
export interface SeedResult {
  readonly region: string;
  readonly first: number;
  readonly seeded: number;
  readonly tokenExpiry: { readonly month: number; readonly year: number };
  readonly panSequenceNumber: string;
}

const TOKEN_VALIDITY_MONTHS = 36;
const PAN_SEQUENCE_NUMBER = '00';
/** Rows per INSERT statement: under both engines' bind-parameter limits for the widest table. */
const ROWS_PER_STATEMENT = 500;

/**
 * Fills a region with active tokens, as tokenization leaves them, for load and scale tests: for
 * each device (a registered account with real P-256 device keys) one token of each green test
 * card of the region, each with its provisioning session (the card product that authorization
 * reads), its vault record (sealed by the region's {@link Vault}: a real envelope-encrypted
 * record), its credential (active, ATC 0, a {@link seedTokenNumber}) and its lifecycle row.
 * Rows are built outside the database and written in large transactions of multi-row inserts.
 * Not written: notifications, audit entries and personalization scripts of these old tokens.
 */
export async function seedTokens(options: SeedTokensOptions): Promise<SeedResult> {
  const { db, region } = options;
  const cards = greenCards(region.id);
  const first = options.first ?? 0;
  const perTransaction = Math.max(cards.length, options.tokensPerTransaction ?? 5_000);
  const vault = new Vault({
    keyProvider: options.keyProvider ?? fileKeyProvider(options.keys),
    panHashKey: Buffer.from(options.keys.secrets.panHashKey, 'base64url'),
  });
  const now = options.now ?? new Date();
  const expiry = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + TOKEN_VALIDITY_MONTHS, 1),
  );
  const tokenExpiry = { month: expiry.getUTCMonth() + 1, year: expiry.getUTCFullYear() };
  const context = {
    region,
    cards,
    vault,
    stamp: now.toISOString(),
    panSequenceNumber: PAN_SEQUENCE_NUMBER,
    tokenExpiry: `${String(tokenExpiry.month).padStart(2, '0')}/${tokenExpiry.year}`,
  };
  // Card art is one asset per product and network: stored once, shared by every seeded token.
  const art = await db.transaction().execute(async (trx) => {
    const ids: string[] = [];
    for (const seed of cards)
      ids.push((await storeCardArt(trx, seed.product, seed.card.network)).id);
    return ids;
  });
  for (let done = 0; done < options.tokens; done += perTransaction) {
    const rows = await buildBatch(
      context,
      first + done,
      Math.min(perTransaction, options.tokens - done),
    );
    await db.transaction().execute(async (trx) => {
      for (const chunk of chunks(rows.accounts)) await insertAccounts(trx, chunk);
      for (const chunk of chunks(rows.devices)) await insertDevices(trx, chunk);
      for (const chunk of chunks(rows.vaultRecords))
        await trx.insertInto('vault_records').values(chunk).execute();
      for (const chunk of chunks(rows.sessions)) await insertSessions(trx, chunk);
      const credentials = rows.credentials.map((c, i) => ({
        ...c,
        art_asset_id: art[i % cards.length] ?? '',
      }));
      for (const chunk of chunks(credentials)) await insertCredentials(trx, chunk);
      for (const chunk of chunks(rows.lifecycle))
        await trx.insertInto('credential_lifecycle').values(chunk).execute();
    });
    options.onProgress?.(Math.min(done + perTransaction, options.tokens));
  }
  return {
    region: region.id,
    first,
    seeded: options.tokens,
    tokenExpiry,
    panSequenceNumber: PAN_SEQUENCE_NUMBER,
  };
}

function greenCards(region: string): SeedCard[] {
  const cards = TEST_CARDS.filter(
    (c) =>
      c.region === region &&
      c.outcome === 'green' &&
      c.closedAccount !== true &&
      // A renewed card stands behind a token of the card it replaces, never beside it.
      c.replaces === undefined,
  ).flatMap((card) => {
    const product = card.productId === undefined ? undefined : SANDBOX_PRODUCTS.get(card.productId);
    return product === undefined ? [] : [{ card, product: toCardProduct(product) }];
  });
  if (cards.length === 0)
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: `region ${region} has no green test card to seed` },
    });
  return cards;
}

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT)
    yield rows.slice(i, i + ROWS_PER_STATEMENT);
}
