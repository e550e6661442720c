export type {
  IssuerConfig,
  RegionConfig,
  TrustedIssuerConfig,
  WebhookDeliveryConfig,
} from './region-config.js';
export type {
  RegionOutboxConfig,
  RegionOutboxTiming,
  RegionQueryTransport,
  RegionTransport,
} from './region-outbox-config.js';
export type { RateLimitConfig } from './rate-limit-config.js';
