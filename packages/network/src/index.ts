/**
 * @domicile/network — a card network's router: acquirers send it authorization requests for
 * tokens; it signs each for the region that issued the token and returns that region's answer.
 */
export {
  createNetworkRouter,
  startNetworkRouter,
  type NetworkRouterOptions,
  type RunningNetworkRouter,
} from './network-router.js';
export {
  RegionForwarder,
  type RegionAnswer,
  type RegionForwarderOptions,
} from './region-forwarder.js';
export { sendAuthorization, type SendAuthorizationOptions } from './acquirer-client.js';
