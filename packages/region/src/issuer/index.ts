export type {
  AccountStanding,
  AuthorizationCheck,
  AuthorizationDecision,
  CardDetailsCheck,
  CardProduct,
  CodeDelivery,
  EligibilityRequest,
  EligibilityResult,
  IdvMethodsRequest,
  IssuerDeclineReason,
  IssuerGateway,
} from './issuer-gateway.js';
export { SandboxIssuer, type SandboxIssuerOptions } from './sandbox/sandbox-issuer.js';
export {
  readOutbox,
  writeOutbox,
  type OutboxChannel,
  type OutboxMessage,
} from './sandbox/issuer-outbox.js';
export {
  SANDBOX_PRODUCTS,
  toCardProduct,
  type SandboxProduct,
} from './sandbox/sandbox-products.js';
export {
  SANDBOX_SPEND_LIMIT_MINOR,
  TEST_CARDS,
  renderTestCardsMarkdown,
  type TestCard,
  type TestCardOutcome,
} from './sandbox/test-cards.js';
export { HttpIssuerGateway, type HttpIssuerGatewayOptions } from './http/http-issuer-gateway.js';
export {
  CardProductSchema,
  ISSUER_OPERATIONS,
  ISSUER_REQUEST_TYP,
  type IssuerOperation,
  type IssuerRequestEnvelope,
} from './http/issuer-http-protocol.js';
