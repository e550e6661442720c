import Fastify, { type FastifyInstance } from 'fastify';
import { api, verifyJson, type PublicJwk } from '@domicile/protocol';

/** One POST the receiver got, and what it answered. */
export interface ReceivedWebhook {
  readonly eventId: string | undefined;
  readonly status: number;
  /** The verified event; undefined when the signature did not verify. */
  readonly event: api.WebhookEvent | undefined;
  readonly body: string;
}

/**
 * An issuer's webhook endpoint: a real fastify server on 127.0.0.1 at a port chosen in advance, so
 * a test can leave it down while events are queued and start it later. It verifies every webhook
 * with the region's directory key, answers 503 to the first `failFirst` requests, and otherwise
 * 200 — to a repeated event id too, as a receiver de-duplicating on it would.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  #app: FastifyInstance | undefined;
  #failuresLeft: number;

  constructor(
    readonly port: number,
    private readonly regionKey: PublicJwk,
    options: { failFirst?: number } = {},
  ) {
    this.#failuresLeft = options.failFirst ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhooks`;
  }

  /** Event ids answered with 2xx, in arrival order. */
  get accepted(): string[] {
    return this.received
      .filter((r) => r.status === 200 && r.eventId !== undefined)
      .map((r) => r.eventId ?? '');
  }

  async start(): Promise<void> {
    const app = Fastify();
    app.addContentTypeParser('application/jose', { parseAs: 'string' }, (_request, body, done) => {
      done(null, body);
    });
    app.post('/webhooks', async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      const header = request.headers[api.WEBHOOK_EVENT_ID_HEADER];
      const eventId = typeof header === 'string' ? header : undefined;
      const claims = (await verifyJson(body, this.regionKey, api.WEBHOOK_TYP).catch(
        () => undefined,
      )) as api.WebhookClaims | undefined;
      const status =
        claims === undefined || claims.event.id !== eventId
          ? 400
          : this.#failuresLeft-- > 0
            ? 503
            : 200;
      this.received.push({ eventId, status, event: claims?.event, body });
      return reply.code(status).send();
    });
    await app.listen({ host: '127.0.0.1', port: this.port });
    this.#app = app;
  }

  async stop(): Promise<void> {
    await this.#app?.close();
    this.#app = undefined;
  }
}
