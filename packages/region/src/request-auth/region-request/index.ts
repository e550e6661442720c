export {
  verifyDeviceTokensRequest,
  verifyLostDeviceRequest,
  type VerifiedDeviceTokensRequest,
  type VerifiedLostDeviceRequest,
} from './region-request.js';
