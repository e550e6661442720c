export { accountView, registerAccount, requireDevice, upsertGuest } from './account-service.js';
export {
  findDevice,
  findDeviceById,
  findGuestDeviceId,
  insertAccounts,
  insertDevices,
  isDeviceLost,
  markDeviceLost,
  type AuthenticatedDevice,
} from './account-store.js';
