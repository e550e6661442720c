import { api, definedProps } from '@domicile/protocol';
import { RegionTransport, type RegionTransportOptions } from './region-transport.js';

/** Options of every call: an AbortSignal, and for POSTs the Idempotency-Key to use. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly idempotencyKey?: string;
}

function opts(o: CallOptions): { signal?: AbortSignal; idempotencyKey?: string } {
  return { ...definedProps({ signal: o.signal, idempotencyKey: o.idempotencyKey }) };
}

const enc = encodeURIComponent;

/**
 * The device side of one region's HTTP API (`packages/protocol/src/api`). Every answer is checked
 * against its schema before it is returned; every failure is a DomicileError.
 */
export class RegionClient {
  readonly transport: RegionTransport;

  constructor(options: RegionTransportOptions) {
    this.transport = new RegionTransport(options);
  }

  get region(): string {
    return this.transport.region;
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /** `GET /v1/directory` (unauthenticated): the signed directory, still to be verified. */
  async directory(o: CallOptions = {}): Promise<string> {
    const res = await this.transport.json(
      { method: 'GET', path: '/v1/directory', authenticated: false, ...opts(o) },
      api.DirectoryResponse,
    );
    return res.directory;
  }

  registerAccount(
    body: api.RegisterAccountRequest,
    o: CallOptions = {},
  ): Promise<api.RegisterAccountResponse> {
    return this.transport.json(
      { method: 'POST', path: '/v1/accounts', body, ...opts(o) },
      api.RegisterAccountResponse,
    );
  }

  account(o: CallOptions = {}): Promise<api.AccountView> {
    return this.transport.json(
      { method: 'GET', path: '/v1/accounts/me', ...opts(o) },
      api.AccountView,
    );
  }

  sendProvisioningMessage(
    body: api.ProvisioningMessage,
    o: CallOptions = {},
  ): Promise<api.ProvisioningMessageResponse> {
    return this.transport.json(
      { method: 'POST', path: '/v1/provisioning', body, ...opts(o) },
      api.ProvisioningMessageResponse,
    );
  }

  checkEligibility(sessionId: string, o: CallOptions = {}): Promise<api.EligibilityResponse> {
    return this.transport.json(
      {
        method: 'POST',
        path: `/v1/provisioning/${enc(sessionId)}/eligibility`,
        body: {},
        ...opts(o),
      },
      api.EligibilityResponse,
    );
  }

  acceptTerms(
    sessionId: string,
    body: api.AcceptTermsRequest,
    o: CallOptions = {},
  ): Promise<api.SessionResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/provisioning/${enc(sessionId)}/terms`, body, ...opts(o) },
      api.SessionResponse,
    );
  }

  sendCardDetails(
    sessionId: string,
    body: api.CardDetailsRequest,
    o: CallOptions = {},
  ): Promise<api.SessionResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/provisioning/${enc(sessionId)}/card`, body, ...opts(o) },
      api.SessionResponse,
    );
  }

  sendPushPayload(
    sessionId: string,
    body: api.PushPayloadRequest,
    o: CallOptions = {},
  ): Promise<api.SessionResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/provisioning/${enc(sessionId)}/push-payload`, body, ...opts(o) },
      api.SessionResponse,
    );
  }

  selectIdv(
    sessionId: string,
    body: api.SelectIdvRequest,
    o: CallOptions = {},
  ): Promise<api.SessionResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/provisioning/${enc(sessionId)}/idv`, body, ...opts(o) },
      api.SessionResponse,
    );
  }

  verifyIdv(
    sessionId: string,
    body: api.VerifyIdvRequest,
    o: CallOptions = {},
  ): Promise<api.SessionResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/provisioning/${enc(sessionId)}/idv/verify`, body, ...opts(o) },
      api.SessionResponse,
    );
  }

  tokenize(sessionId: string, o: CallOptions = {}): Promise<api.TokenizeResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/provisioning/${enc(sessionId)}/tokenize`, body: {}, ...opts(o) },
      api.TokenizeResponse,
    );
  }

  async credentials(o: CallOptions = {}): Promise<api.CredentialView[]> {
    const res = await this.transport.json(
      { method: 'GET', path: '/v1/credentials', ...opts(o) },
      api.CredentialListResponse,
    );
    return res.credentials;
  }

  /** `GET /v1/assets/{assetId}`: raw bytes (card art); the caller checks the announced hash. */
  asset(assetId: string, o: CallOptions = {}): Promise<Uint8Array> {
    return this.transport.bytes({
      method: 'GET',
      path: `/v1/assets/${enc(assetId)}`,
      headers: { accept: '*/*' },
      ...opts(o),
    });
  }

  /** `GET /v1/credentials/{tokenRef}/script`: 'SCRIPT_NOT_READY' until the TSM has built it. */
  script(tokenRef: string, o: CallOptions = {}): Promise<api.ScriptResponse> {
    return this.transport.json(
      { method: 'GET', path: `/v1/credentials/${enc(tokenRef)}/script`, ...opts(o) },
      api.ScriptResponse,
    );
  }

  activate(
    tokenRef: string,
    body: api.ActivateRequest,
    o: CallOptions = {},
  ): Promise<api.CredentialResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/credentials/${enc(tokenRef)}/activate`, body, ...opts(o) },
      api.CredentialResponse,
    );
  }

  /** `POST /v1/credentials/{tokenRef}/suspend|resume|delete`: the user changes a token's state. */
  changeCredentialState(
    tokenRef: string,
    action: api.LifecycleAction,
    body: api.CredentialLifecycleRequest,
    o: CallOptions = {},
  ): Promise<api.CredentialResponse> {
    return this.transport.json(
      { method: 'POST', path: `/v1/credentials/${enc(tokenRef)}/${action}`, body, ...opts(o) },
      api.CredentialResponse,
    );
  }

  /** `GET /v1/transactions`: this device's authorizations in this region, newest first. */
  async transactions(o: CallOptions = {}): Promise<api.TransactionView[]> {
    const res = await this.transport.json(
      { method: 'GET', path: '/v1/transactions', ...opts(o) },
      api.TransactionListResponse,
    );
    return res.transactions;
  }

  /** `GET /v1/notifications?after=N&limit=M`: the push notifications after `after`, oldest first. */
  async notifications(
    after: number,
    limit = 100,
    o: CallOptions = {},
  ): Promise<api.Notification[]> {
    const query = { after: String(after), limit: String(limit) };
    const res = await this.transport.json(
      { method: 'GET', path: '/v1/notifications', query, ...opts(o) },
      api.NotificationListResponse,
    );
    return res.notifications;
  }

  /** `POST /v1/accounts/join`: this device (its DPoP key) asks to join an account of this home region. */
  async requestJoin(body: api.JoinRequestBody, o: CallOptions = {}): Promise<api.JoinRequestView> {
    const res = await this.transport.json(
      { method: 'POST', path: '/v1/accounts/join', body, ...opts(o) },
      api.JoinRequestResponse,
    );
    return res.joinRequest;
  }

  /** `GET /v1/accounts/join/{id}`: this device's own join request. */
  async joinRequest(id: string, o: CallOptions = {}): Promise<api.JoinRequestView> {
    const res = await this.transport.json(
      { method: 'GET', path: `/v1/accounts/join/${enc(id)}`, ...opts(o) },
      api.JoinRequestResponse,
    );
    return res.joinRequest;
  }

  /** `POST /v1/accounts/join/{id}/verify`: completes a join request by code. */
  async verifyJoinCode(
    id: string,
    code: string,
    o: CallOptions = {},
  ): Promise<api.JoinRequestView> {
    const res = await this.transport.json(
      { method: 'POST', path: `/v1/accounts/join/${enc(id)}/verify`, body: { code }, ...opts(o) },
      api.JoinRequestResponse,
    );
    return res.joinRequest;
  }

  /** `GET /v1/accounts/me/join-requests`: the account's pending join requests. */
  async joinRequests(o: CallOptions = {}): Promise<api.JoinRequestView[]> {
    const res = await this.transport.json(
      { method: 'GET', path: '/v1/accounts/me/join-requests', ...opts(o) },
      api.JoinRequestListResponse,
    );
    return res.joinRequests;
  }

  /** `POST /v1/accounts/me/join-requests/{id}/approve|refuse`. */
  async decideJoin(
    id: string,
    decision: { approval: string } | 'refuse',
    o: CallOptions = {},
  ): Promise<api.JoinRequestView> {
    const res = await this.transport.json(
      decision === 'refuse'
        ? {
            method: 'POST',
            path: `/v1/accounts/me/join-requests/${enc(id)}/refuse`,
            body: {},
            ...opts(o),
          }
        : {
            method: 'POST',
            path: `/v1/accounts/me/join-requests/${enc(id)}/approve`,
            body: decision,
            ...opts(o),
          },
      api.JoinRequestResponse,
    );
    return res.joinRequest;
  }

  /** `GET /v1/accounts/me/devices`: the account's devices. */
  async devices(o: CallOptions = {}): Promise<api.DeviceView[]> {
    const res = await this.transport.json(
      { method: 'GET', path: '/v1/accounts/me/devices', ...opts(o) },
      api.DeviceListResponse,
    );
    return res.devices;
  }

  /** `POST /v1/accounts/me/devices/{id}/remove`: removes a device and deletes its tokens everywhere. */
  removeDevice(deviceId: string, o: CallOptions = {}): Promise<api.RemoveDeviceResponse> {
    return this.transport.json(
      {
        method: 'POST',
        path: `/v1/accounts/me/devices/${enc(deviceId)}/remove`,
        body: {},
        ...opts(o),
      },
      api.RemoveDeviceResponse,
    );
  }

  /** `GET /v1/accounts/me/credentials`: the account's tokens in this region, each with its device. */
  async accountCredentials(o: CallOptions = {}): Promise<api.AccountCredentialView[]> {
    const res = await this.transport.json(
      { method: 'GET', path: '/v1/accounts/me/credentials', ...opts(o) },
      api.AccountCredentialListResponse,
    );
    return res.credentials;
  }
}
