export { IssuerApiClient, type IssuerApiClientOptions } from './issuer-api-client.js';
