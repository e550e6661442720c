export {
  accountView,
  deviceRow,
  registerAccount,
  requireDevice,
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
  isDeviceLost,
  listAccountDevices,
  markDeviceLost,
  markDeviceRemoved,
  signingKeyColumn,
  type AuthenticatedDevice,
} from './account-store.js';
