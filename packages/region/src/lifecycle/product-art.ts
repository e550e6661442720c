import { DomicileError, type CardNetwork, type api } from '@domicile/protocol';
import { CARD_ART_CONTENT_TYPE, renderCardArt, storeAsset } from '../assets/index.js';
import { appendAudit } from '../audit/index.js';
import { listUndeletedOfProduct, setCredentialArt } from '../credentials/index.js';
import { insertNotification } from '../notifications/index.js';
import type { TrustedIssuer } from '../request-auth/index.js';
import type { RegionContext } from '../region-context.js';
import { productFromSession } from '../sessions/index.js';

/**
 * The issuer changes the card art of one of its products (`ISSUER_FORBIDDEN` for another's). The
 * region renders the new art itself, once per network, and in one transaction points every live
 * token of the product at it and writes a `credential.art.updated` push notification to each
 * token's device, which fetches the art and checks its hash. Tokens already showing the art are
 * left alone, so sending the same art again changes nothing. Scripts the TSM builds later carry
 * the new art; new provisionings take their art from the issuer's eligibility answer.
 */
export async function updateProductArt(
  ctx: RegionContext,
  issuer: TrustedIssuer,
  productId: string,
  body: api.IssuerArtBody,
): Promise<api.IssuerArtResponse> {
  if (!issuer.productIds.has(productId)) throw new DomicileError('ISSUER_FORBIDDEN');
  const live = await listUndeletedOfProduct(ctx.db, productId);
  // Rendered before the transaction: it stays short, and on SQLite it holds the only connection.
  const rendered = new Map<string, Buffer>();
  for (const credential of live) {
    if (rendered.has(credential.network)) continue;
    const product = await productFromSession(ctx.db)(credential);
    rendered.set(
      credential.network,
      Buffer.from(
        renderCardArt({ ...product, art: body.art }, credential.network as CardNetwork),
        'utf8',
      ),
    );
  }
  const now = ctx.now();
  const { art, devices, updated } = await ctx.db.transaction().execute(async (trx) => {
    const stored = new Map<string, { assetId: string; sha256: string }>();
    for (const [network, bytes] of rendered) {
      const asset = await storeAsset(trx, { contentType: CARD_ART_CONTENT_TYPE, body: bytes });
      stored.set(network, { assetId: asset.id, sha256: asset.sha256 });
    }
    const notified = new Set<string>();
    let count = 0;
    for (const credential of live) {
      const next = stored.get(credential.network);
      if (next === undefined || credential.art_asset_id === next.assetId) continue;
      const moved = await setCredentialArt(trx, {
        id: credential.id,
        artAssetId: next.assetId,
        at: now.toISOString(),
      });
      if (!moved) continue;
      await insertNotification(
        trx,
        credential.device_id,
        { type: 'credential.art.updated', tokenRef: credential.token_ref, art: next },
        now,
      );
      notified.add(credential.device_id);
      count++;
    }
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `issuer:${issuer.id}`,
      action: 'product.art_updated',
      subject: productId,
      detail: { tokens: count },
    });
    const byNetwork = [...stored].map(([network, a]) => ({
      network: network as CardNetwork,
      ...a,
    }));
    return { art: byNetwork, devices: notified, updated: count };
  });
  for (const device of devices) ctx.hub.publish(device);
  return { productId, updated, art };
}
