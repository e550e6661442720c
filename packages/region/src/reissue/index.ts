export {
  REISSUE_REASON,
  openReissuedCard,
  reissueCredential,
  reissueFingerprint,
} from './reissue-credential.js';
