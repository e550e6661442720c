export {
  ErrorBodySchema,
  ExpirySchema,
  HEADERS,
  IdSchema,
  IdempotencyKeySchema,
  Last4Schema,
  NetworkSchema,
  RoutingPrefixSchema,
  Sha256Schema,
  TimestampSchema,
  type Expiry,
} from './common.js';
export { AccountView, RegisterAccountRequest, RegisterAccountResponse } from './accounts.js';
export {
  AcceptTermsRequest,
  CardDetails,
  CardDetailsRequest,
  CredentialState,
  CredentialView,
  Decision,
  EligibilityResponse,
  IdvMethod,
  ProvisioningMessage,
  ProvisioningMessageResponse,
  ProvisioningPayload,
  SelectIdvRequest,
  SessionResponse,
  SessionState,
  SessionView,
  TermsView,
  TokenizeResponse,
  VerifyIdvRequest,
} from './provisioning.js';
export {
  REDIRECT_ASSERTION_MAX_AGE_SECONDS,
  RedirectAssertionClaims,
} from './redirect-assertion.js';
export {
  ActivateRequest,
  CredentialListResponse,
  CredentialResponse,
  PersonalizationScript,
  ScriptResponse,
} from './credentials.js';
export {
  Notification,
  NotificationData,
  NotificationListResponse,
  type NotificationType,
} from './notifications.js';
export { SandboxOutboxResponse } from './sandbox.js';
export {
  CardArtSpec,
  CredentialLifecycleRequest,
  LifecycleAction,
  LifecycleActor,
  LifecycleReason,
  ResumedState,
} from './lifecycle.js';
export {
  ISSUER_API_MAX_AGE_SECONDS,
  ISSUER_API_TYP,
  IssuerArtBody,
  IssuerArtResponse,
  IssuerCredentialResponse,
  IssuerCredentialView,
  IssuerIdSchema,
  IssuerLifecycleBody,
  IssuerRequestBody,
  IssuerRequestClaims,
  ProductIdSchema,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_TYP,
  WebhookClaims,
  WebhookEvent,
  WebhookEventType,
} from './issuer-api.js';
export { DirectoryResponse } from './directory.js';
export {
  PUSH_PAYLOAD_LIFETIME_SECONDS,
  PUSH_PAYLOAD_MAX_LIFETIME_SECONDS,
  PUSH_PAYLOAD_TYP,
  PushPayloadClaims,
  PushPayloadRequest,
} from './push-payload.js';
export {
  AUTHORIZATION_MAX_SKEW_SECONDS,
  AUTHORIZATION_TYP,
  Amount,
  AuthorizationChannel,
  AuthorizationReason,
  AuthorizationRequest,
  AuthorizationResponse,
  Cvn18Elements,
  Merchant,
  NetworkAuthorizationClaims,
  SignedAuthorization,
  TransactionListResponse,
  TransactionView,
} from './authorizations.js';
export {
  LostDeviceConfirmationClaims,
  LostDeviceRequestClaims,
  LostReportRegion,
  LostReportRegionStatus,
  LostReportResponse,
  LostReportView,
  REGION_CONFIRMATION_TYP,
  REGION_REQUEST_MAX_AGE_SECONDS,
  REGION_REQUEST_TYP,
  RegionConfirmationResponse,
  RegionRequestBody,
} from './lost-device.js';
