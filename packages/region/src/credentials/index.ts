export {
  activateCredential,
  getScript,
  listCredentials,
  requireDeviceCredential,
} from './credential-service.js';
export {
  LIVE_STATES,
  UNDELETED_STATES,
  claimAtc,
  countLiveCredentials,
  deviceHoldsCard,
  findCredentialById,
  findCredentialByTokenNumber,
  findCredentialByTokenRef,
  findDeviceCredential,
  insertCredentials,
  listAccountCredentials,
  listCredentialsById,
  listDeviceCredentials,
  listHeldCards,
  listUndeletedOfProduct,
  moveCredentialState,
  setCredentialArt,
  setCredentialScript,
  undeletedCredentialOf,
  type CredentialState,
} from './credential-store.js';
export { credentialView } from './credential-view.js';
