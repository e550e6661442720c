import { Value } from '@sinclair/typebox/value';
import { Type } from '@sinclair/typebox';
import { DomicileError, api } from '@domicile/protocol';
import type { TrustedIssuer } from '../request-auth/index.js';
import type { RegionContext } from '../region-context.js';
import { issuerTokenView, tokenRows } from './token-rows.js';

/** Where a page ended: the last token's creation time and reference (the sort key). */
const CursorPosition = Type.Tuple([api.TimestampSchema, api.IdSchema]);

function encodeCursor(createdAt: string, tokenRef: string): string {
  return Buffer.from(JSON.stringify([createdAt, tokenRef]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): readonly [string, string] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new DomicileError('CURSOR_INVALID', { cause });
  }
  if (!Value.Check(CursorPosition, value)) throw new DomicileError('CURSOR_INVALID');
  return value;
}

/**
 * An issuer's tokens in this region (`GET /v1/issuer/credentials`): only tokens of its own
 * products, filtered by product, state, card last 4 and device, oldest first by creation time
 * then token reference — an order new tokens only extend, so a cursor never skips or repeats one.
 * Naming another issuer's product is `ISSUER_FORBIDDEN`; a cursor not made here `CURSOR_INVALID`.
 */
export async function listIssuerTokens(
  ctx: RegionContext,
  issuer: TrustedIssuer,
  query: api.IssuerTokenQuery,
): Promise<api.IssuerTokenListResponse> {
  if (query.productId !== undefined && !issuer.productIds.has(query.productId))
    throw new DomicileError('ISSUER_FORBIDDEN');
  const products = query.productId === undefined ? [...issuer.productIds] : [query.productId];
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (products.length === 0) return { credentials: [] };
  const limit = query.limit === undefined ? api.TOKEN_PAGE_LIMIT.default : Number(query.limit);

  let rows = tokenRows(ctx.db).where('l.product_id', 'in', products);
  if (query.state !== undefined) rows = rows.where('c.state', '=', query.state);
  if (query.last4 !== undefined) rows = rows.where('c.last4', '=', query.last4);
  if (query.deviceId !== undefined) rows = rows.where('c.device_id', '=', query.deviceId);
  if (after !== undefined) {
    const [createdAt, tokenRef] = after;
    rows = rows.where((eb) =>
      eb.or([
        eb('c.created_at', '>', createdAt),
        eb.and([eb('c.created_at', '=', createdAt), eb('c.token_ref', '>', tokenRef)]),
      ]),
    );
  }
  // One more than the page: whether another page follows, without counting.
  const page = await rows
    .orderBy('c.created_at')
    .orderBy('c.token_ref')
    .limit(limit + 1)
    .execute();
  const shown = page.slice(0, limit);
  const last = shown.at(-1);
  return {
    credentials: shown.map((row) => issuerTokenView(ctx.self.id, row)),
    ...(page.length > limit && last !== undefined
      ? { nextCursor: encodeCursor(last.created_at, last.token_ref) }
      : {}),
  };
}

/**
 * One token of the issuer's (`GET /v1/issuer/credentials/{tokenRef}`). Another issuer's token
 * reads as absent (`CREDENTIAL_NOT_FOUND`): an issuer never learns what it does not own exists.
 */
export async function getIssuerToken(
  ctx: RegionContext,
  issuer: TrustedIssuer,
  tokenRef: string,
): Promise<api.IssuerTokenResponse> {
  const row = await tokenRows(ctx.db).where('c.token_ref', '=', tokenRef).executeTakeFirst();
  if (row === undefined || !issuer.productIds.has(row.product_id))
    throw new DomicileError('CREDENTIAL_NOT_FOUND');
  return { credential: issuerTokenView(ctx.self.id, row) };
}
