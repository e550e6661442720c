import type { onSendHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { toDomicileError } from '@domicile/protocol';
import { outputFence, type Database } from '../storage/index.js';

/**
 * An `onSend` hook that holds every answer until the commits it may be based on are durable (see
 * `outputFence`): a read no longer waits for other requests' flushes, so the answer does. A
 * failed flush turns the answer into 503 `DATABASE_NOT_DURABLE` here, in place, rather than
 * through the error handler, whose own answer would meet the same fence again.
 */
export function durableAnswers(db: Kysely<Database>): onSendHookHandler {
  return (_request, reply, payload, done) => {
    const fence = outputFence(db);
    if (fence === undefined) {
      done(null, payload);
      return;
    }
    fence.then(
      () => done(null, payload),
      (error: unknown) => {
        const refused = toDomicileError(error);
        void reply
          .code(refused.status)
          .header('content-type', 'application/json; charset=utf-8')
          .removeHeader('content-length');
        done(null, JSON.stringify(refused.toBody()));
      },
    );
  };
}

/** `send`, called only once the commits the call may carry are durable (see `outputFence`). */
export function durableFetch(
  db: Kysely<Database>,
  send: typeof fetch = (input, init) => fetch(input, init),
): typeof fetch {
  return async (input, init) => {
    await outputFence(db);
    return send(input, init);
  };
}
