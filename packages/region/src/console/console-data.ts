import type { api } from '@domicile/protocol';
import { DomicileError } from '@domicile/protocol';
import { auditSigningKeysOf, verifyAuditChain, type AuditChainStatus } from '../audit/index.js';
import {
  readAuthorizationCounts,
  readProvisioningFunnel,
  readQueueFigures,
  readTokenCounts,
  type AuthorizationCount,
  type ProvisioningFunnel,
  type QueueFigures,
  type TokenCount,
} from '../figures/index.js';
import { getLostReport } from '../lost-device/index.js';
import type { RegionContext } from '../region-context.js';
import { rewrapProgress, type RewrapProgress } from '../vault-rewrap/index.js';

type Ctx = Pick<RegionContext, 'db' | 'now' | 'vault' | 'self' | 'directory'>;

/** The overview's figures: each read is the one its metric makes (`figures/`, `vault-rewrap/`). */
export interface ConsoleOverview {
  readonly tokens: readonly TokenCount[];
  readonly funnel: ProvisioningFunnel;
  readonly authorizations: readonly AuthorizationCount[];
  readonly queues: readonly QueueFigures[];
  readonly vault: RewrapProgress;
}

export async function readOverview(ctx: Ctx): Promise<ConsoleOverview> {
  const [tokens, funnel, authorizations, queues, vault] = await Promise.all([
    readTokenCounts(ctx.db),
    readProvisioningFunnel(ctx.db, ctx.now),
    readAuthorizationCounts(ctx.db, ctx.now),
    readQueueFigures(ctx.db, ctx.now),
    rewrapProgress(ctx.db, ctx.vault.kekId),
  ]);
  return { tokens, funnel, authorizations, queues, vault };
}

/** Lost-device reports shown per page: the newest. */
export const LOST_REPORTS_SHOWN = 20;

/** The newest lost-device reports made here, each with every other region's status. */
export async function readLostReports(ctx: RegionContext): Promise<api.LostReportView[]> {
  const ids = await ctx.db
    .selectFrom('lost_reports')
    .select('id')
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(LOST_REPORTS_SHOWN)
    .execute();
  return Promise.all(ids.map(({ id }) => getLostReport(ctx, id)));
}

/** Audit rows per page. */
export const AUDIT_PAGE_ROWS = 50;

export interface AuditPage {
  readonly page: number;
  readonly pages: number;
  readonly rows: readonly {
    seq: number | null;
    at: string;
    actor: string;
    action: string;
    subject: string;
    detail: string;
  }[];
  readonly chain: AuditChainStatus;
}

/** One page of the audit log, newest first (page 1), and the whole chain's verification. */
export async function readAuditPage(ctx: Ctx, page: number): Promise<AuditPage> {
  const chain = await verifyAuditChain({
    db: ctx.db,
    region: ctx.self.id,
    signingKeys: auditSigningKeysOf(ctx.directory, ctx.self.id),
  });
  const pages = Math.max(1, Math.ceil(chain.rows / AUDIT_PAGE_ROWS));
  const current = Math.min(Math.max(1, page), pages);
  const rows = await ctx.db
    .selectFrom('audit_log')
    .select(['seq', 'at', 'actor', 'action', 'subject', 'detail'])
    .orderBy('id', 'desc')
    .limit(AUDIT_PAGE_ROWS)
    .offset((current - 1) * AUDIT_PAGE_ROWS)
    .execute();
  return { page: current, pages, rows, chain };
}

/** Pseudonyms shown per region on the residency page. */
export const PSEUDONYMS_SHOWN = 50;

export interface ResidencyMap {
  readonly regions: readonly {
    region: string;
    accounts: number;
    pseudonyms: readonly string[];
  }[];
}

/**
 * Which regions may hold cards of this region's accounts: from the residency index, by region,
 * the number of accounts and their pairwise pseudonyms there (never a name, never card data).
 */
export async function readResidencyMap(ctx: Ctx): Promise<ResidencyMap> {
  const counts = await ctx.db
    .selectFrom('residency_index')
    .select((eb) => ['region', eb.fn.countAll<number | string>().as('n')])
    .groupBy('region')
    .orderBy('region')
    .execute();
  const regions = await Promise.all(
    counts.map(async ({ region, n }) => ({
      region,
      accounts: Number(n),
      pseudonyms: (
        await ctx.db
          .selectFrom('residency_index')
          .select('pseudonym')
          .where('region', '=', region)
          .orderBy('first_seen_at', 'desc')
          .orderBy('pseudonym')
          .limit(PSEUDONYMS_SHOWN)
          .execute()
      ).map((r) => r.pseudonym),
    })),
  );
  return { regions };
}

/** A credential's page: masked token, state and its history, by token reference. */
export interface CredentialHistory {
  readonly tokenRef: string;
  readonly tokenLast4: string;
  readonly state: string;
  readonly network: string;
  readonly product: string | null;
  readonly suspendedBy: string | null;
  readonly deviceId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lifecycle: readonly { at: string; actor: string; action: string; detail: string }[];
  readonly notifications: readonly { id: number; type: string; at: string }[];
  readonly webhooks: readonly {
    eventId: string;
    type: string;
    attempts: number;
    deliveredAt: string | null;
    lastError: string | null;
    at: string;
  }[];
}

/** Rows of each history shown: the newest. */
export const HISTORY_ROWS = 100;

export async function readCredentialHistory(
  ctx: Ctx,
  tokenRef: string,
): Promise<CredentialHistory> {
  const credential = await ctx.db
    .selectFrom('credentials')
    .leftJoin('credential_lifecycle', 'credential_lifecycle.credential_id', 'credentials.id')
    .select([
      'credentials.token_ref',
      'credentials.token_number',
      'credentials.state',
      'credentials.network',
      'credentials.device_id',
      'credentials.created_at',
      'credentials.updated_at',
      'credential_lifecycle.product_id',
      'credential_lifecycle.suspended_by',
    ])
    .where('credentials.token_ref', '=', tokenRef)
    .executeTakeFirst();
  if (credential === undefined) throw new DomicileError('TOKEN_NOT_FOUND');
  const lifecycle = await ctx.db
    .selectFrom('audit_log')
    .select(['at', 'actor', 'action', 'detail'])
    .where('subject', '=', tokenRef)
    .orderBy('id', 'desc')
    .limit(HISTORY_ROWS)
    .execute();
  // A notification or webhook names its credential by token reference inside its JSON.
  const mention = `%"${tokenRef.replace(/[%_\\]/g, '')}"%`;
  const notifications = await ctx.db
    .selectFrom('notifications')
    .select(['id', 'type', 'created_at'])
    .where('device_id', '=', credential.device_id)
    .where('data', 'like', mention)
    .orderBy('id', 'desc')
    .limit(HISTORY_ROWS)
    .execute();
  const webhooks = await ctx.db
    .selectFrom('webhook_deliveries')
    .select(['event_id', 'type', 'attempts', 'delivered_at', 'last_error', 'created_at'])
    .where('payload', 'like', mention)
    .orderBy('created_at', 'desc')
    .limit(HISTORY_ROWS)
    .execute();
  return {
    tokenRef: credential.token_ref,
    tokenLast4: credential.token_number.slice(-4),
    state: credential.state,
    network: credential.network,
    product: credential.product_id,
    suspendedBy: credential.suspended_by,
    deviceId: credential.device_id,
    createdAt: credential.created_at,
    updatedAt: credential.updated_at,
    lifecycle,
    notifications: notifications.map((n) => ({ id: n.id, type: n.type, at: n.created_at })),
    webhooks: webhooks.map((w) => ({
      eventId: w.event_id,
      type: w.type,
      attempts: w.attempts,
      deliveredAt: w.delivered_at,
      lastError: w.last_error,
      at: w.created_at,
    })),
  };
}
