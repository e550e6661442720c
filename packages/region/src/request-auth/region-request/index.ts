export {
  REGION_REQUEST,
  verifyLostDeviceRequest,
  type VerifiedLostDeviceRequest,
} from './region-request.js';
