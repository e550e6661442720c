import { sleep } from './sleep.js';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, api } from '@domicile/protocol';
import type { RegionClient } from './region-client.js';
import { linkSignals } from './linked-signal.js';
import { SseParser } from './sse-parser.js';

export interface NotificationStreamOptions {
  readonly client: RegionClient;
  /** Id of the last notification already handled (0 for none): sent as `Last-Event-ID`. */
  readonly after: number;
  /** Called once per new notification, in order; the next one waits for it to settle. */
  readonly onNotification: (notification: api.Notification) => Promise<void> | void;
  /** Stops following; the promise then resolves. */
  readonly signal: AbortSignal;
  /** First delay before reconnecting after a drop (default: the region's `retry:`, else 1 s); doubled per failed attempt up to 30 s. */
  readonly reconnectDelayMs?: number;
  /** Reconnect when nothing (not even a heartbeat comment) arrived for this long. */
  readonly idleTimeoutMs?: number;
  /** Called each time the stream is (re)opened, with the Last-Event-ID sent. */
  readonly onConnect?: (lastEventId: number) => void;
}

const MAX_RECONNECT_MS = 30_000;

function isAbort(signal: AbortSignal): boolean {
  return signal.aborted;
}

/**
 * Follows one region's push notifications (`GET /v1/notifications/stream`, Server-Sent Events)
 * until `signal` aborts: resumes after the last handled id on every reconnection, skips ids
 * already handled, and reconnects after drops, 5xx answers and silent connections. A region's
 * refusal (4xx) or a failing handler ends the follow with that error.
 */
export async function followRegionNotifications(options: NotificationStreamOptions): Promise<void> {
  const { client, signal } = options;
  // The region's `retry:` sets the reconnection delay (§9.2.6), unless the caller fixed one.
  const fixedDelay = options.reconnectDelayMs !== undefined;
  let baseDelay = options.reconnectDelayMs ?? 1_000;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let cursor = options.after;
  let delay = baseDelay;
  while (!isAbort(signal)) {
    const connection = linkSignals([signal]);
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(
        () => connection.abort(new DOMException('idle stream', 'TimeoutError')),
        idleMs,
      );
    };
    const read = async (response: Response): Promise<void> => {
      if (response.body === null)
        throw DomicileError.peerMalformed({
          peer: 'region',
          region: client.region,
          what: 'no-body',
        });
      const parser = new SseParser();
      const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
      delay = baseDelay;
      touch();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        touch();
        for (const item of parser.push(value)) {
          if (item.kind === 'retry' && !fixedDelay) baseDelay = delay = item.ms;
          if (item.kind !== 'event') continue;
          const notification = parseNotification(item.event.data, client.region);
          if (notification.id <= cursor) continue;
          try {
            await options.onNotification(notification);
          } catch (cause) {
            throw new HandlerFailure(cause);
          }
          cursor = notification.id;
        }
      }
      parser.end();
    };
    try {
      options.onConnect?.(cursor);
      await client.transport.send(
        {
          method: 'GET',
          path: '/v1/notifications/stream',
          headers: { accept: 'text/event-stream', [api.HEADERS.lastEventId]: String(cursor) },
          stream: true,
          signal: connection.signal,
        },
        read,
      );
    } catch (error) {
      if (error instanceof HandlerFailure) throw error.cause;
      if (isAbort(signal)) return;
      if (!isTransient(error, connection.signal)) throw error;
    } finally {
      clearTimeout(idle);
      connection.abort();
      connection.dispose();
    }
    try {
      await sleep(delay, signal);
    } catch {
      return;
    }
    delay = Math.min(MAX_RECONNECT_MS, delay * 2);
  }
}

/** Marks an error of the caller's handler, which must end the follow rather than cause a reconnection. */
class HandlerFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('notification handler failed');
  }
}

/** Network drops, idle timeouts and an unavailable region are worth a reconnection; the rest is not. */
function isTransient(error: unknown, connection: AbortSignal): boolean {
  if (connection.aborted) return true;
  if (error instanceof DomicileError) return error.code === 'SERVICE_UNAVAILABLE';
  // A body that breaks mid-read surfaces as a TypeError or an undici socket error.
  return error instanceof Error;
}

function parseNotification(data: string, region: string): api.Notification {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (cause) {
    throw DomicileError.peerMalformed({ peer: 'region', region, what: 'not-json' }, cause);
  }
  if (!Value.Check(api.Notification, value))
    throw DomicileError.peerMalformed({ peer: 'region', region, what: 'schema' }, 'notification');
  return value;
}
