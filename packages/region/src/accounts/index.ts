export { accountView, registerAccount, requireDevice, upsertGuest } from './account-service.js';
export {
  encryptionKeyColumn,
  findDevice,
  findDeviceById,
  findGuestDeviceId,
  insertAccounts,
  insertDevices,
  isDeviceLost,
  markDeviceLost,
  signingKeyColumn,
  type AuthenticatedDevice,
} from './account-store.js';
