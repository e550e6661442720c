import type { api } from '@domicile/protocol';
import type { FakeRequest } from './fake-network.js';

/** A fake region's push notifications: stored per device, polled or streamed as Server-Sent Events. */
export class FakePush {
  readonly notifications: { jkt: string; n: api.Notification }[] = [];
  readonly #streams = new Set<{
    jkt: string;
    push: (n: api.Notification) => void;
    close: () => void;
  }>();

  /** Ends every open stream, as a dropped connection would. */
  dropStreams(): void {
    for (const s of this.#streams) s.close();
  }

  notify(jkt: string, data: api.NotificationData): void {
    const n: api.Notification = {
      id: this.notifications.length + 1,
      createdAt: new Date().toISOString(),
      data,
    };
    this.notifications.push({ jkt, n });
    for (const s of this.#streams) if (s.jkt === jkt) s.push(n);
  }

  list(jkt: string, after: number, limit: number): api.Notification[] {
    return this.#of(jkt)
      .filter((n) => n.id > after)
      .slice(0, limit);
  }

  /** `GET /v1/notifications/stream`: what is after Last-Event-ID, then whatever comes, until aborted. */
  stream(req: FakeRequest, jkt: string): Response {
    const after = Number(req.headers.get('last-event-id') ?? 0);
    const encoder = new TextEncoder();
    const frame = (n: api.Notification): Uint8Array =>
      encoder.encode(`id: ${n.id}\nevent: ${n.data.type}\ndata: ${JSON.stringify(n)}\n\n`);
    const backlog = this.#of(jkt);
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const entry = {
          jkt,
          push: (n: api.Notification) => controller.enqueue(frame(n)),
          close: () => {
            this.#streams.delete(entry);
            controller.close();
          },
        };
        controller.enqueue(encoder.encode(': connected\n\n'));
        for (const n of backlog) if (n.id > after) controller.enqueue(frame(n));
        if (req.signal?.aborted === true) {
          controller.error(req.signal.reason);
          return;
        }
        this.#streams.add(entry);
        req.signal?.addEventListener(
          'abort',
          () => {
            this.#streams.delete(entry);
            controller.error(req.signal?.reason);
          },
          { once: true },
        );
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }

  #of(jkt: string): api.Notification[] {
    return this.notifications.filter((x) => x.jkt === jkt).map((x) => x.n);
  }
}
