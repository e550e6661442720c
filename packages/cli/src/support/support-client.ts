import { randomBytes } from 'node:crypto';
import { DomicileError, api } from '@domicile/protocol';

/** Options of {@link SupportClient}. */
export interface SupportClientOptions {
  /** The home region's base URL. */
  readonly baseUrl: string;
  /** An operator token of that region (its SHA-256 is in the region config). */
  readonly operatorToken: string;
  readonly timeoutMs?: number;
}

/**
 * The support API of a home region, as an operator uses it: report a device lost, follow the
 * report. The token travels only in the Authorization header.
 */
export class SupportClient {
  readonly #o: SupportClientOptions;

  constructor(options: SupportClientOptions) {
    this.#o = options;
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
    const body = await this.#call(
      'POST',
      `/v1/support/devices/${encodeURIComponent(deviceId)}/lost`,
      key,
    );
    return this.#report(body);
  }

  async lostReport(reportId: string): Promise<api.LostReportView> {
    return this.#report(
      await this.#call('GET', `/v1/support/lost-reports/${encodeURIComponent(reportId)}`),
    );
  }

  async #call(method: 'GET' | 'POST', path: string, idempotencyKey?: string): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#o.operatorToken}` };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      if (idempotencyKey !== undefined) headers[api.HEADERS.idempotencyKey] = idempotencyKey;
    }
    let res: Response;
    try {
      res = await fetch(`${this.#o.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: '{}' } : {}),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new DomicileError('SERVICE_UNAVAILABLE', { cause });
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw DomicileError.fromBody(body);
    return body;
  }

  #report(body: unknown): api.LostReportView {
    // The operator's own region, over a channel they chose: a shape check is enough here.
    const report =
      typeof body === 'object' && body !== null && 'report' in body ? body.report : undefined;
    if (
      typeof report !== 'object' ||
      report === null ||
      !('regions' in report) ||
      !Array.isArray(report.regions)
    ) {
      throw new DomicileError('INTERNAL', { cause: 'unexpected support API answer' });
    }
    return report as api.LostReportView;
  }
}

/** One line per region: where a lost-device report stands. */
export function formatLostReport(report: api.LostReportView): string[] {
  const lines = [
    `report ${report.reportId}  device ${report.deviceId}  reported ${report.reportedAt} by ${report.reportedBy}`,
    `  ${report.home.region.padEnd(4)} home       suspended ${report.home.suspended}`,
  ];
  for (const r of report.regions) {
    const detail =
      r.status === 'confirmed'
        ? `suspended ${r.suspended ?? 0}  (attempts ${r.attempts})`
        : `attempts ${r.attempts}${r.lastError === undefined ? '' : `  last error ${r.lastError}`}${r.nextAttemptAt === undefined ? '' : `  next ${r.nextAttemptAt}`}`;
    lines.push(`  ${r.region.padEnd(4)} ${r.status.padEnd(10)} ${detail}`);
  }
  lines.push(report.complete ? '  every region confirmed' : '  waiting for regions to confirm');
  return lines;
}
