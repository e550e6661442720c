export {
  accountView,
  deviceRow,
  registerAccount,
  requireDevice,
  requireDeviceActive,
  requireDeviceWithLiveCredentials,
  upsertGuest,
  type NewDevice,
} from './account-service.js';
export {
  encryptionKeyColumn,
  findDevice,
  findDeviceById,
  findRegisteredAccount,
  findGuestDeviceId,
  insertAccounts,
  insertDevices,
  listAccountDevices,
  markDeviceLost,
  markDeviceRemoved,
  signingKeyColumn,
  type AuthenticatedDevice,
} from './account-store.js';
