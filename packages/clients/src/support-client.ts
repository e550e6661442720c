import { randomBytes } from 'node:crypto';
import { api } from '@domicile/protocol';
import { requestJson } from './json-request.js';

/** Options of {@link SupportClient}. */
export interface SupportClientOptions {
  /** The home region's base URL. */
  readonly baseUrl: string;
  /** An operator token of that region (its SHA-256 is in the region config). */
  readonly operatorToken: string;
  readonly fetch?: typeof fetch;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * The support API of a home region, as an operator uses it: report a device lost, follow the
 * report, list a device's tokens in every region. The token travels only in the Authorization header. Answers are checked against their
 * schema; failures are DomicileErrors.
 */
export class SupportClient {
  readonly #o: SupportClientOptions;

  constructor(options: SupportClientOptions) {
    this.#o = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
  }

  /**
   * Reports a device lost. `idempotencyKey` makes a retry return the first report; by default a
   * fresh key, so each call is a new report.
   */
  async reportLost(
    deviceId: string,
    options: { idempotencyKey?: string } = {},
  ): Promise<api.LostReportView> {
    const key = options.idempotencyKey ?? randomBytes(18).toString('base64url');
    return this.#call('POST', `/v1/support/devices/${encodeURIComponent(deviceId)}/lost`, {
      'content-type': 'application/json',
      [api.HEADERS.idempotencyKey]: key,
    });
  }

  lostReport(reportId: string): Promise<api.LostReportView> {
    return this.#call('GET', `/v1/support/lost-reports/${encodeURIComponent(reportId)}`, {});
  }

  /**
   * A device's tokens in every region (at its home region): per region `ok` with its tokens, or
   * `failed` with the error code; last 4 digits only.
   */
  deviceTokens(deviceId: string): Promise<api.DeviceTokensResponse> {
    return requestJson(
      {
        fetch: this.#o.fetch ?? fetch,
        url: `${this.#o.baseUrl}/v1/support/devices/${encodeURIComponent(deviceId)}/tokens`,
        method: 'GET',
        headers: { authorization: `Bearer ${this.#o.operatorToken}` },
        timeoutMs: this.#o.timeoutMs ?? 10_000,
        service: 'support API',
      },
      api.DeviceTokensResponse,
    );
  }

  async #call(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
  ): Promise<api.LostReportView> {
    const { report } = await requestJson(
      {
        fetch: this.#o.fetch ?? fetch,
        url: `${this.#o.baseUrl}${path}`,
        method,
        headers: { ...headers, authorization: `Bearer ${this.#o.operatorToken}` },
        ...(method === 'POST' ? { body: '{}' } : {}),
        timeoutMs: this.#o.timeoutMs ?? 10_000,
        service: 'support API',
      },
      api.LostReportResponse,
    );
    return report;
  }
}
