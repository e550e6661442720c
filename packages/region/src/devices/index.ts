export { listAccountTokens, listDevices, removeDevice } from './account-devices.js';
export { verifyDeviceApproval } from './device-approval.js';
export {
  approveJoin,
  getOwnJoinRequest,
  listJoinRequests,
  refuseJoin,
  requestJoin,
  verifyJoinCode,
} from './join-requests.js';
