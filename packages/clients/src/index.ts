/**
 * @domicile/clients — HTTP clients of a region's server-to-server APIs, for an issuer's or an
 * operator's own program: the issuer API (signed by the issuer's key) and the support API (an
 * operator token). The device's client is `@domicile/device`, the acquirer's `@domicile/network`.
 */
export {
  IssuerApiClient,
  type IssuerApiClientOptions,
  type IssuerTokenFilter,
} from './issuer-api-client.js';
export { SupportClient, type SupportClientOptions } from './support-client.js';
