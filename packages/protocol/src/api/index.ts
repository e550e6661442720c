export {
  ErrorBodySchema, ExpirySchema, HEADERS, IdSchema, IdempotencyKeySchema, Last4Schema, NetworkSchema,
  RoutingPrefixSchema, Sha256Schema, TimestampSchema, type Expiry,
} from './common.js';
export { AccountView, RegisterAccountRequest, RegisterAccountResponse } from './accounts.js';
export {
  AcceptTermsRequest, CardDetails, CardDetailsRequest, CredentialState, CredentialView, Decision,
  EligibilityResponse, IdvMethod, ProvisioningMessage, ProvisioningMessageResponse, ProvisioningPayload,
  SelectIdvRequest, SessionResponse, SessionState, SessionView, TermsView, TokenizeResponse, VerifyIdvRequest,
} from './provisioning.js';
export { REDIRECT_ASSERTION_MAX_AGE_SECONDS, RedirectAssertionClaims } from './redirect-assertion.js';
export {
  ActivateRequest, CredentialListResponse, CredentialResponse, PersonalizationScript, ScriptResponse,
} from './credentials.js';
export {
  Notification, NotificationData, NotificationListResponse, type NotificationType,
} from './notifications.js';
export { SandboxOutboxResponse } from './sandbox.js';
export { DirectoryResponse } from './directory.js';
