export {
  accountView,
  audit,
  countActiveCredentials,
  findDevice,
  newId,
  registerAccount,
  requireDevice,
  upsertGuest,
  type AuthenticatedDevice,
} from './account-service.js';
