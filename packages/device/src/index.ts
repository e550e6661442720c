/**
 * @domicile/device — the wallet SDK: a software secure element, the encrypted wallet file, a client
 * per region, and the wallet that provisions cards across regions and follows push notifications.
 */
export { Wallet } from './wallet.js';
export type {
  AddCardOptions,
  CreateWalletOptions,
  OpenWalletOptions,
  WalletRuntimeOptions,
} from './wallet-options.js';
export type { FollowOptions, HandledNotification } from './wallet-notifications.js';
export type { NotificationOutcome } from './credential-completion.js';
export type { CardLifecycleOptions } from './card-lifecycle.js';
export type {
  AddCardHooks,
  IdvContext,
  ProvisioningStep,
  ProvisioningStepName,
} from './provisioning-steps.js';
export { describeStep } from './step-narration.js';
export { networkOf, parseCardInput, type CardInput } from './card-input.js';
export type { PushedCard } from './provisioning-flow.js';
export {
  checkRedirect,
  directoryKey,
  owningRegion,
  type RedirectCheck,
  type RedirectRefusal,
} from './redirect-policy.js';
export { RegionClient, type CallOptions } from './region-client.js';
export type { PayOptions } from './payment.js';
export {
  RegionTransport,
  newIdempotencyKey,
  type RegionRequest,
  type RegionTransportOptions,
  type TransportSettings,
} from './region-transport.js';
export {
  DEFAULT_RETRY,
  SYSTEM_RETRY_CLOCK,
  type RetryClock,
  type RetryPolicy,
} from './retry-policy.js';
export {
  followRegionNotifications,
  type NotificationStreamOptions,
} from './notification-stream.js';
export { SseParser, type SseEvent, type SseItem } from './sse-parser.js';
export {
  SandboxOutboxClient,
  sandboxIdvHooks,
  type SandboxMessage,
  type SandboxOutboxClientOptions,
} from './sandbox-outbox-client.js';
export { DEFAULT_KDF, WalletFile, type KdfParams } from './wallet-file.js';
export { WalletState, type GuestRegistration, type WalletAccount } from './wallet-state.js';
export {
  Applet,
  SecureElement,
  type AppletLifecycle,
  type AppletView,
  type ApplicationCryptogram,
  type CardArt,
  type DpopSigner,
} from './secure-element/index.js';
