export { getIssuerToken, listIssuerTokens } from './issuer-tokens.js';
export { answerDeviceTokensRequest, listDeviceTokensEverywhere } from './device-tokens.js';
export {
  DEVICE_TOKENS_PATH,
  askDeviceTokens,
  type DeviceTokensAsk,
} from './device-tokens-request.js';
export { issuerTokenView, tokenRows, type TokenRow } from './token-rows.js';
