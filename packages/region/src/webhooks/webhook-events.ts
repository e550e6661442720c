import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { api, definedProps } from '@domicile/protocol';
import { traceparentToQueue } from '../logging/index.js';
import type { TrustedIssuers } from '../request-auth/index.js';
import { jsonColumn, type CredentialRow, type Database } from '../storage/index.js';

/** The event a webhook delivery carries (no card data), signed afresh for every attempt. */
export const webhookEventColumn = jsonColumn('webhook_deliveries.payload', api.WebhookEvent);

/** A token event to tell its issuer about. */
export interface TokenEventInput {
  readonly type: api.WebhookEventType;
  /** The credential as it is after the change. */
  readonly credential: CredentialRow;
  readonly productId: string;
  readonly actor?: api.LifecycleActor;
  readonly reason?: api.LifecycleReason;
  readonly now: Date;
}

/**
 * Queues a webhook for the issuer of the credential's product (DESIGN: Durable push, for
 * issuers): call it with the transaction that makes the change, so the event exists exactly when
 * the change does. Returns the event id, or undefined when no configured issuer with a webhook URL
 * owns the product (the sandbox issuer has none by default): then no row is written at all.
 */
export async function enqueueTokenEvent(
  trx: Kysely<Database>,
  target: { readonly region: string; readonly issuers: TrustedIssuers },
  input: TokenEventInput,
): Promise<string | undefined> {
  const issuer = target.issuers.forProduct(input.productId);
  if (issuer?.webhookUrl === undefined) return undefined;
  const c = input.credential;
  const stamp = input.now.toISOString();
  const event: api.WebhookEvent = {
    id: randomBytes(16).toString('base64url'),
    type: input.type,
    region: target.region,
    issuer: issuer.id,
    createdAt: stamp,
    token: {
      tokenRef: c.token_ref,
      productId: input.productId,
      network: c.network as api.WebhookEvent['token']['network'],
      last4: c.last4,
      tokenLast4: c.token_number.slice(-4),
      state: c.state,
    },
    ...definedProps({ actor: input.actor, reason: input.reason }),
  };
  await trx
    .insertInto('webhook_deliveries')
    .values({
      event_id: event.id,
      issuer_id: issuer.id,
      type: event.type,
      payload: webhookEventColumn.encode(event),
      attempts: 0,
      next_attempt_at: stamp,
      delivered_at: null,
      last_error: null,
      created_at: stamp,
      traceparent: traceparentToQueue(),
    })
    .execute();
  return event.id;
}
