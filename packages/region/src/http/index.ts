export { BODY_LIMIT_BYTES, buildRegionApp, type RegionAppOptions } from './region-app.js';
export { checkOperatorTokenHashes, operatorTokenHash } from './operator-auth.js';
