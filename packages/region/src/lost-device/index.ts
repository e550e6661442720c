export {
  getLostReport,
  reportDevice,
  reportLostDevice,
  type LostReporter,
} from './lost-device-service.js';
export { receiveLostDeviceRequest } from './lost-device-receiver.js';
export {
  DEVICE_LOST_REASON,
  DEVICE_REMOVED_REASON,
  suspendDeviceCredentials,
} from './suspend-lost-device.js';
export {
  REGION_REQUEST_LIFETIME_SECONDS,
  signLostDeviceConfirmation,
  signLostDeviceRequest,
  verifyLostDeviceConfirmation,
  type LostDeviceAsk,
} from './region-request.js';
export {
  LOST_DEVICE_PATH,
  deliverLostDeviceRequest,
  exchangeWithRegion,
  fetchRegionTransport,
  httpRegionQuery,
  httpRegionTransport,
  type DeliveryInput,
} from './region-request-client.js';
export { RegionOutboxWorker, type RegionOutboxWorkerOptions } from './region-outbox-worker.js';
