export {
  NETWORK_AUTHORIZATION,
  verifyNetworkAuthorization,
  type NetworkAuthorizationInput,
  type VerifiedNetworkAuthorization,
} from './network-authorization.js';
