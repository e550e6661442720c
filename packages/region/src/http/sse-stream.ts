import type { FastifyReply } from 'fastify';
import { listNotifications } from '../notifications/index.js';
import type { RegionContext } from '../region-context.js';
import { outputFence } from '../storage/index.js';

const BATCH = 100;

/**
 * Streams a device's notifications as Server-Sent Events from `afterId` on. The database is read
 * on every wake-up (hub publish), and at each heartbeat as a safety net, so a notification
 * written by another node or process still arrives.
 */
export function streamNotifications(
  ctx: RegionContext,
  reply: FastifyReply,
  deviceId: string,
  afterId: number,
): void {
  reply.hijack();
  const res = reply.raw;
  // Hijacked, the reply sends none of the headers hooks set (request id, a wallet origin's CORS).
  const fromHooks = Object.fromEntries(
    Object.entries(reply.getHeaders()).filter(
      (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
    ),
  );
  res.writeHead(200, {
    ...fromHooks,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let cursor = afterId;
  let closed = false;
  let pumping = false;
  let again = false;

  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        for (;;) {
          const batch = await listNotifications(ctx.db, deviceId, cursor, BATCH);
          // What was read reaches the device only once durable (see `outputFence`).
          if (batch.length > 0) await outputFence(ctx.db);
          for (const n of batch) {
            if (closed) return;
            res.write(`id: ${n.id}\nevent: ${n.data.type}\ndata: ${JSON.stringify(n)}\n\n`);
            cursor = n.id;
          }
          if (batch.length < BATCH) break;
        }
      } while (again && !closed);
    } catch (error) {
      ctx.logger.warn({ err: error, deviceId }, 'notification stream read failed');
    } finally {
      pumping = false;
    }
  };

  const unsubscribe = ctx.hub.subscribe(deviceId, () => void pump());
  const heartbeat = setInterval(() => {
    res.write(': heartbeat\n\n');
    void pump();
  }, ctx.streamHeartbeatMs);
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    ctx.closing.removeEventListener('abort', end);
  };
  const end = (): void => {
    close();
    res.end();
  };
  res.on('close', close);
  // The device reconnects (to another node, or to this one once it is back) from its last id.
  if (ctx.closing.aborted) end();
  else ctx.closing.addEventListener('abort', end, { once: true });
  void pump();
}
