export {
  verifyNetworkAuthorization,
  type NetworkAuthorizationInput,
  type VerifiedNetworkAuthorization,
} from './network-authorization.js';
