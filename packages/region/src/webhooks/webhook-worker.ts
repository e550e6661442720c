import type { Kysely } from 'kysely';
import { api } from '@domicile/protocol';
import type { JwsSigner } from '../keys/index.js';
import type { Database, WebhookDeliveryRow } from '../storage/index.js';
import { webhookEventColumn } from './webhook-events.js';
import { PolledWorker, retryDelayMs, type RetryDelayPolicy } from '../workers/index.js';
import { outboundTraceHeaders, runInQueuedTrace } from '../logging/index.js';

/** Options of {@link WebhookWorker}. */
export interface WebhookWorkerOptions {
  readonly db: Kysely<Database>;
  /** This region: the `iss` of every webhook. */
  readonly region: string;
  /** The region's signing key (listed in the directory): issuers verify webhooks with it. */
  readonly signer: JwsSigner;
  /** An issuer's webhook URL, read at delivery time (configuration may change between attempts). */
  readonly urlFor: (issuerId: string) => string | undefined;
  readonly logger?: { warn(obj: object, msg: string): void };
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** First retry delay; default 1 s. */
  readonly retryBaseMs?: number;
  /** Longest retry delay; default 5 min. */
  readonly retryMaxMs?: number;
  /** How long an issuer has to answer one attempt; default 10 s. */
  readonly timeoutMs?: number;
  /** How often to look for due deliveries when nobody kicks; default 2 s. */
  readonly pollIntervalMs?: number;
  /** Deliveries per run, sent concurrently; default 20. */
  readonly batchSize?: number;
}

/**
 * Delivers queued issuer webhooks (`webhook_deliveries`): a POST of a JWS by the region's signing
 * key, `typ` domicile-webhook+jws, with the event id in the `Domicile-Event-Id` header. A 2xx
 * answer marks the event delivered; anything else, or no answer in time, schedules a retry with
 * capped exponential backoff and jitter, for as long as it takes. Any number of workers may run
 * on one region database: a row is claimed by a conditional update that moves its next attempt
 * past the attempt's timeout, so only one worker sends it at a time.
 */
export class WebhookWorker extends PolledWorker {
  readonly #o: WebhookWorkerOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => Date;
  readonly #retry: RetryDelayPolicy;
  readonly #timeoutMs: number;
  readonly #batchSize: number;

  constructor(options: WebhookWorkerOptions) {
    super({
      intervalMs: options.pollIntervalMs ?? 2_000,
      onError: (error) => options.logger?.warn({ err: error }, 'webhook run failed'),
    });
    this.#o = options;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? (() => new Date());
    this.#retry = { baseMs: options.retryBaseMs ?? 1_000, maxMs: options.retryMaxMs ?? 300_000 };
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#batchSize = options.batchSize ?? 20;
  }

  protected async runBatch(): Promise<boolean> {
    return (await this.#run()).due >= this.#batchSize;
  }

  /** Attempts every delivery that is due (one batch); returns how many were delivered. */
  async runOnce(): Promise<number> {
    return (await this.#run()).delivered;
  }

  async #run(): Promise<{ due: number; delivered: number }> {
    const rows = await this.#o.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '<=', this.#now().toISOString())
      .orderBy('next_attempt_at')
      .limit(this.#batchSize)
      .execute();
    const outcomes = await Promise.all(
      rows.map((row) => runInQueuedTrace(row.traceparent, () => this.#attempt(row))),
    );
    return { due: rows.length, delivered: outcomes.filter(Boolean).length };
  }

  async #attempt(row: WebhookDeliveryRow): Promise<boolean> {
    const { db } = this.#o;
    const started = this.#now();
    // The lease: past the attempt's timeout, another worker may try again (this one crashed).
    const lease = new Date(started.getTime() + 2 * this.#timeoutMs).toISOString();
    const claim = await db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: lease })
      .where('event_id', '=', row.event_id)
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    if (claim.numUpdatedRows === 0n) return false;
    const failure = await this.#send(row).catch((error: unknown) => errorName(error));
    const attempts = row.attempts + 1;
    const done = this.#now();
    if (failure === undefined) {
      await db
        .updateTable('webhook_deliveries')
        .set({ delivered_at: done.toISOString(), attempts, last_error: null })
        .where('event_id', '=', row.event_id)
        .execute();
      return true;
    }
    const next = new Date(done.getTime() + retryDelayMs(attempts, this.#retry, this.#o.random));
    await db
      .updateTable('webhook_deliveries')
      .set({ attempts, last_error: failure, next_attempt_at: next.toISOString() })
      .where('event_id', '=', row.event_id)
      .where('delivered_at', 'is', null)
      .execute();
    this.#o.logger?.warn(
      { eventId: row.event_id, issuer: row.issuer_id, attempts, error: failure },
      'webhook not delivered: will retry',
    );
    return false;
  }

  /** One POST; resolves undefined when delivered, or why it was not (never the response body). */
  async #send(row: WebhookDeliveryRow): Promise<string | undefined> {
    const url = this.#o.urlFor(row.issuer_id);
    if (url === undefined) return 'no webhook url configured';
    const event = webhookEventColumn.decode(row.payload);
    const claims: api.WebhookClaims = {
      iss: this.#o.region,
      aud: row.issuer_id,
      iat: Math.floor(this.#now().getTime() / 1000),
      event,
    };
    const jws = await this.#o.signer.sign(claims, api.WEBHOOK_TYP);
    const res = await this.#fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/jose',
        [api.WEBHOOK_EVENT_ID_HEADER]: row.event_id,
        ...outboundTraceHeaders(),
      },
      body: jws,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? undefined : `http ${res.status}`;
  }
}

// A network failure names its cause (ECONNREFUSED, a timeout); messages may quote the URL, so only names.
function errorName(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } } | undefined)
    ?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown error';
}
