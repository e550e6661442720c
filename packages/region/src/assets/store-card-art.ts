import type { Kysely } from 'kysely';
import type { CardNetwork } from '@domicile/protocol';
import type { CardProduct } from '../issuer/index.js';
import type { Database } from '../storage/index.js';
import { storeAsset } from './asset-store.js';
import { CARD_ART_CONTENT_TYPE, renderCardArt } from './card-art.js';

/**
 * Renders and stores the card art of a product (once per product and network: same bytes, same
 * row). Returns what the `credential.provisioned` notification and the personalization script
 * announce: the asset id and its hash.
 */
export async function storeCardArt(
  trx: Kysely<Database>,
  product: CardProduct,
  network: CardNetwork,
): Promise<{ id: string; sha256: string }> {
  return storeAsset(trx, {
    contentType: CARD_ART_CONTENT_TYPE,
    body: Buffer.from(renderCardArt(product, network), 'utf8'),
  });
}
