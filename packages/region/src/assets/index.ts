export { assetHash, getAsset, storeAsset, type Asset } from './asset-store.js';
export { CARD_ART_CONTENT_TYPE, renderCardArt } from './card-art.js';
export { storeCardArt } from './store-card-art.js';
