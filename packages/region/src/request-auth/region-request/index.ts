export { verifyLostDeviceRequest, type VerifiedLostDeviceRequest } from './region-request.js';
