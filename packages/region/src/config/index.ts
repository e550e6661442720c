export type {
  IssuerConfig,
  RegionConfig,
  TrustedIssuerConfig,
  WebhookDeliveryConfig,
} from './region-config.js';
export type {
  RegionOutboxConfig,
  RegionOutboxTiming,
  RegionTransport,
} from './region-outbox-config.js';
