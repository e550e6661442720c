/**
 * The one table of error codes. Every failure Domicile reports, on the wire or in the CLI, carries
 * one of these codes; `docs/errors.md` documents the same table and a test keeps the two in step.
 * Messages are fixed: they never carry a card number, CVV, key, code or token.
 * No code answers 421: HTTP clients (undici's fetch among them) resend a 421 on their own, which
 * a DPoP proof, single-use by design, would then fail as a replay.
 */
export const ERROR_CODES = {
  // Request shape
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the schema.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed on this resource.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests: retry after the time given.' },
  // Device authentication (DPoP, RFC 9449)
  DPOP_REQUIRED: { status: 401, message: 'A DPoP proof is required.' },
  DPOP_INVALID: { status: 401, message: 'The DPoP proof is invalid.' },
  DPOP_REPLAYED: { status: 401, message: 'The DPoP proof was already used.' },
  DEVICE_UNKNOWN: { status: 401, message: 'The device is not registered in this region.' },
  DEVICE_ALREADY_REGISTERED: { status: 409, message: 'The device is already registered.' },
  DEVICE_LOST: { status: 403, message: 'The device was reported lost.' },
  // Exactly once
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, message: 'An Idempotency-Key header is required.' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'The Idempotency-Key was used with a different request.',
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    message: 'A request with this Idempotency-Key is still in progress.',
  },
  // Routing and redirects
  ROUTING_PREFIX_UNKNOWN: { status: 404, message: 'No region serves this card.' },
  ROUTING_PREFIX_AMBIGUOUS: {
    status: 422,
    message: 'The routing prefix is too short to choose one region.',
  },
  REGION_NOT_OWNER: { status: 422, message: 'This region does not own the card.' },
  ASSERTION_INVALID: { status: 401, message: 'The redirect assertion is invalid.' },
  ASSERTION_AUDIENCE: { status: 401, message: 'The redirect assertion is for another region.' },
  ASSERTION_EXPIRED: { status: 401, message: 'The redirect assertion has expired.' },
  ASSERTION_REPLAYED: { status: 401, message: 'The redirect assertion was already used.' },
  ASSERTION_KEY_MISMATCH: {
    status: 401,
    message: 'The redirect assertion is bound to another device key.',
  },
  ASSERTION_MESSAGE_MISMATCH: {
    status: 401,
    message: 'The redirect assertion was issued for another provisioning message.',
  },
  ACCOUNT_CANNOT_TRANSACT: { status: 403, message: 'The account is not in good standing.' },
  // Provisioning session
  SESSION_NOT_FOUND: { status: 404, message: 'No such provisioning session.' },
  SESSION_STATE: {
    status: 409,
    message: "This step is not allowed in the session's current state.",
  },
  SESSION_EXPIRED: { status: 410, message: 'The provisioning session has expired.' },
  CARD_NOT_SUPPORTED: { status: 422, message: 'The issuer does not support this card in wallets.' },
  PROVISIONING_DECLINED: { status: 403, message: 'The issuer declined to provision this card.' },
  TERMS_MISMATCH: { status: 422, message: 'The accepted terms are not the terms offered.' },
  CARD_DETAILS_WRONG_REGION: {
    status: 422,
    message: 'The card details are encrypted for another region.',
  },
  CARD_DETAILS_UNREADABLE: { status: 400, message: 'The card details could not be decrypted.' },
  CARD_DETAILS_INVALID: { status: 422, message: 'The card details are not valid for this card.' },
  CARD_NETWORK_MISMATCH: {
    status: 422,
    message: 'The card number belongs to another network than the provisioning message named.',
  },
  CARD_ALREADY_PROVISIONED: {
    status: 409,
    message: 'This card is already provisioned on this device.',
  },
  IDV_METHOD_UNKNOWN: { status: 422, message: 'No such identity verification method.' },
  IDV_CODE_INVALID: { status: 422, message: 'The verification code is wrong.' },
  IDV_CODE_EXPIRED: { status: 410, message: 'The verification code has expired.' },
  IDV_LOCKED: { status: 423, message: 'Too many wrong codes: verification is locked.' },
  TOKEN_RANGE_EXHAUSTED: { status: 503, message: 'The region has no free token numbers.' },
  PUSH_PAYLOAD_INVALID: {
    status: 422,
    message: 'The push payload is not a valid issuer-signed payload for this card.',
  },
  PUSH_PAYLOAD_EXPIRED: { status: 410, message: 'The push payload has expired.' },
  PUSH_PAYLOAD_REPLAYED: { status: 409, message: 'The push payload was already used.' },
  PUSH_PAYLOAD_WRONG_REGION: { status: 422, message: 'The push payload is for another region.' },
  PUSH_PAYLOAD_WRONG_ISSUER: {
    status: 403,
    message: "The push payload is not signed by the card's issuer.",
  },
  PUSH_PAYLOAD_WRONG_DEVICE: {
    status: 403,
    message: 'The push payload is bound to another wallet device.',
  },
  // Credentials, assets and scripts
  CREDENTIAL_NOT_FOUND: { status: 404, message: 'No such credential.' },
  ASSET_NOT_FOUND: { status: 404, message: 'No such asset.' },
  SCRIPT_NOT_READY: { status: 409, message: 'The personalization script is not ready yet.' },
  SCRIPT_HASH_MISMATCH: { status: 422, message: 'The reported script is not the script issued.' },
  // Token lifecycle and the issuer API
  CREDENTIAL_STATE: {
    status: 409,
    message: "This change is not allowed in the credential's current state.",
  },
  RESUME_NOT_ALLOWED: {
    status: 403,
    message: 'The token was suspended by a party this caller cannot overrule.',
  },
  VAULT_RECORD_ERASED: { status: 410, message: 'The card data was erased.' },
  CLIENT_CERTIFICATE_REQUIRED: {
    status: 403,
    message: 'A client certificate from a trusted authority is required.',
  },
  ISSUER_AUTH_REQUIRED: { status: 401, message: 'An issuer-signed request is required.' },
  ISSUER_AUTH_INVALID: { status: 401, message: 'The issuer request is invalid.' },
  ISSUER_AUTH_EXPIRED: { status: 401, message: 'The issuer request has expired.' },
  ISSUER_AUTH_REPLAYED: { status: 401, message: 'The issuer request was already used.' },
  ISSUER_FORBIDDEN: { status: 403, message: 'The issuer may not act on this token or product.' },
  CURSOR_INVALID: { status: 400, message: 'The page cursor is not one this region gave.' },
  // Lost device across regions: the support API and region-to-region requests
  OPERATOR_TOKEN_REQUIRED: { status: 401, message: 'An operator token is required.' },
  OPERATOR_TOKEN_INVALID: { status: 401, message: 'The operator token is not accepted.' },
  DEVICE_NOT_FOUND: { status: 404, message: 'No such device in this region.' },
  LOST_REPORT_NOT_HOME: { status: 422, message: 'A lost device is reported at its home region.' },
  LOST_REPORT_NOT_FOUND: { status: 404, message: 'No such lost-device report.' },
  REGION_REQUEST_INVALID: { status: 401, message: 'The region-to-region request is invalid.' },
  REGION_REQUEST_AUDIENCE: {
    status: 401,
    message: 'The region-to-region request is for another region.',
  },
  REGION_REQUEST_EXPIRED: { status: 401, message: 'The region-to-region request has expired.' },
  REGION_REQUEST_REPLAYED: {
    status: 401,
    message: 'The region-to-region request was already used.',
  },
  REGION_REQUEST_UNDELIVERED: {
    status: 502,
    message: 'The other region did not answer the region-to-region request.',
  },
  REGION_CONFIRMATION_INVALID: {
    status: 502,
    message: "The other region's confirmation did not verify.",
  },
  DEVICE_TOKENS_NOT_HOME: {
    status: 422,
    message: "A device's tokens in every region are listed at its home region.",
  },
  // Payments: authorizations routed by a card network to the region that issued the token
  TOKEN_NOT_FOUND: { status: 404, message: 'No such token in this region.' },
  TOKEN_RANGE_UNKNOWN: { status: 404, message: 'No region issues tokens in this range.' },
  NETWORK_CLIENT_UNKNOWN: {
    status: 401,
    message: 'The card network is not listed in the directory.',
  },
  AUTHORIZATION_SIGNATURE_INVALID: {
    status: 401,
    message: 'The authorization request is not validly signed.',
  },
  AUTHORIZATION_REPLAYED: {
    status: 401,
    message: 'The signed authorization request was already received.',
  },
  AUTHORIZATION_REQUEST_MISMATCH: {
    status: 409,
    message: 'An authorization with this request id was received with other content.',
  },
  REGION_UNREACHABLE: { status: 502, message: 'The region that issued the token did not answer.' },
  CREDENTIAL_NOT_ACTIVE: { status: 409, message: 'The credential is not active on this device.' },
  // Issuer gateway and operations
  ISSUER_UNAVAILABLE: { status: 502, message: 'The issuer did not answer.' },
  SANDBOX_DISABLED: { status: 404, message: 'The sandbox issuer is not enabled in this region.' },
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid.' },
  // The CLI's key, token and trust-file writers: nothing is overwritten unless asked
  FILE_EXISTS: { status: 500, message: 'A file to be written already exists.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is shutting down or not ready.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
  // Any client: a peer (a region, a network router) answered what its protocol does not allow.
  // Raised by clients only: no Domicile server sends it in an answer.
  PEER_MALFORMED: { status: 502, message: 'The peer answered something malformed.' },
  // Keys in an HSM (PKCS#11): refused when the region opens its keys, before it serves
  HSM_MODULE_UNAVAILABLE: { status: 500, message: 'The PKCS#11 module could not be loaded.' },
  HSM_TOKEN_NOT_FOUND: {
    status: 500,
    message: 'No PKCS#11 token has the configured label or slot.',
  },
  HSM_PIN_REJECTED: { status: 500, message: 'The PKCS#11 token rejected the PIN.' },
  HSM_KEY_NOT_FOUND: { status: 500, message: 'The PKCS#11 token has no key with this label.' },
  HSM_KEY_UNSUITABLE: {
    status: 500,
    message: 'The PKCS#11 key is not of the type or usage its purpose needs.',
  },
  // The audit log (an action whose audit row cannot be written does not happen)
  AUDIT_UNAVAILABLE: {
    status: 503,
    message: 'The audit log could not be written; the action was not done.',
  },
  AUDIT_CHAIN_BROKEN: {
    status: 500,
    message: 'The audit chain or a checkpoint does not verify.',
  },
  // Starting a region or a router: refused before it serves, and the process exits 1 or 2
  PORT_IN_USE: { status: 500, message: 'The address and port to listen on are already in use.' },
  LISTEN_FAILED: { status: 500, message: 'The server could not listen on its address and port.' },
  DATABASE_UNREACHABLE: { status: 503, message: 'The database did not answer.' },
  DATABASE_REJECTED: {
    status: 500,
    message: 'The database refused the connection: role, password or database name.',
  },
  DATABASE_FOLDER_MISSING: {
    status: 500,
    message: 'The folder of the SQLite database does not exist.',
  },
  // A running region's SQLite file: an fsync of its WAL failed
  DATABASE_NOT_DURABLE: {
    status: 503,
    message: 'The database could not make a commit durable; the region must be restarted.',
  },
  KEY_FILE_UNREADABLE: { status: 500, message: 'A key file is missing or unreadable.' },
  // Vault KEK rotation (`domicile keys rotate --purpose kek`, `keys retire --purpose kek`)
  VAULT_KEK_IN_USE: {
    status: 409,
    message: 'The vault KEK still wraps records, or is the current one.',
  },
  VAULT_KEK_UNKNOWN: {
    status: 404,
    message: 'The region key file holds no vault KEK with this id.',
  },
  SHUTDOWN_INCOMPLETE: {
    status: 503,
    message: 'The server stopped before it finished draining.',
  },
  // Device side: raised by the wallet when a region's answer cannot be trusted
  DIRECTORY_INVALID: {
    status: 502,
    message: 'The region directory signature or content is invalid.',
  },
  DIRECTORY_AUTHORITY_UNKNOWN: {
    status: 502,
    message: 'The region directory is not signed by the pinned authority key.',
  },
  DIRECTORY_ROLLBACK: {
    status: 502,
    message: 'The region directory is older than the one already held.',
  },
  DIRECTORY_KEYS_EXPIRED: {
    status: 502,
    message: 'The region directory lists only expired keys for a region.',
  },
  REDIRECT_UNTRUSTED: {
    status: 502,
    message: 'The redirect points to a region the directory does not vouch for.',
  },
  INSECURE_TRANSPORT: {
    status: 400,
    message: 'Plain HTTP is allowed only to a loopback address.',
  },
  SIGNATURE_INVALID: { status: 502, message: 'A signed object from the region did not verify.' },
  ASSET_HASH_MISMATCH: {
    status: 502,
    message: 'The downloaded asset does not match its announced hash.',
  },
  WALLET_NOT_FOUND: { status: 404, message: 'No wallet file at this path.' },
  WALLET_LOCKED: { status: 401, message: 'The wallet passphrase is wrong or the file is damaged.' },
  WALLET_EXISTS: { status: 409, message: 'A wallet file already exists at this path.' },
  WALLET_NOT_REGISTERED: {
    status: 409,
    message: 'The wallet is not registered with a home region.',
  },
  // Residency reports: raised by `domicile residency verify` when a report cannot be trusted
  RESIDENCY_REPORT_MALFORMED: {
    status: 422,
    message: 'The file is not a signed residency report.',
  },
  RESIDENCY_REPORT_KEY_UNKNOWN: {
    status: 422,
    message: 'The directory lists no signing key of the region with the key id of the report.',
  },
  RESIDENCY_REPORT_SIGNATURE_INVALID: {
    status: 422,
    message: 'The residency report does not verify with its region signing key.',
  },
  // Several devices per account: joining, approving, listing and removing devices
  DEVICE_REMOVED: { status: 403, message: 'The device was removed from its account.' },
  ACCOUNT_NOT_FOUND: { status: 404, message: 'No such account in this home region.' },
  ACCOUNT_NOT_HOME: {
    status: 422,
    message: "An account's devices are managed at its home region.",
  },
  JOIN_REQUEST_NOT_FOUND: { status: 404, message: 'No such join request.' },
  JOIN_REQUEST_EXPIRED: { status: 410, message: 'The join request has expired.' },
  JOIN_REQUEST_CLOSED: {
    status: 409,
    message: 'The join request was already approved, refused or locked.',
  },
  JOIN_METHOD_MISMATCH: { status: 409, message: 'The join request uses another method.' },
  JOIN_APPROVAL_INVALID: { status: 403, message: 'The device approval is not valid.' },
  JOIN_CODE_INVALID: { status: 422, message: 'The join code is wrong.' },
  JOIN_LOCKED: { status: 423, message: 'Too many wrong codes: the join request is locked.' },
  JOIN_CODE_MISMATCH: {
    status: 409,
    message: 'The code typed is not the one this device computes for the join request.',
  },
  // Operator console (`/console`): sign-in with an operator token into a session cookie
  CONSOLE_SIGN_IN_FAILED: { status: 401, message: 'Sign-in failed.' },
  CONSOLE_SESSION_REQUIRED: {
    status: 401,
    message: 'A console session is required: sign in again.',
  },
  CONSOLE_CSRF_INVALID: {
    status: 403,
    message: 'The form is out of date or was not sent by the console.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
