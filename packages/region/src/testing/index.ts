export {
  FIXTURE_REGIONS_YAML,
  codeOf,
  createRegionFixture,
  createTestDevice,
  encryptCardDetails,
  type RegionFixture,
  type TestDevice,
} from './region-fixture.js';
export { createTestPostgresDatabase, type TestPostgresDatabase } from './test-database.js';
export {
  serveIssuerGateway,
  type IssuerGatewayServer,
  type IssuerGatewayServerOptions,
} from './issuer-gateway-server.js';
export { SOFTHSM_MODULE, createSoftHsm, type SoftHsm } from '../keys/pkcs11/softhsm.fixtures.js';
export {
  credential as credentialRow,
  device as deviceRow,
  lostDeviceReceipt as lostDeviceReceiptRow,
  lostReport as lostReportRow,
  notification as notificationRow,
  regionOutboxRow,
  transaction as transactionRow,
  webhookDelivery as webhookDeliveryRow,
} from '../storage/storage.fixtures.js';
export {
  createThrowawayCa,
  issueCertificate,
  writeThrowawayTls,
  type IssuedCertificate,
  type ThrowawayCa,
  type ThrowawayTlsFiles,
} from './throwaway-pki.js';
