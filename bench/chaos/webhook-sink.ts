import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api } from '@domicile/protocol';

/**
 * An issuer's webhook endpoint for the chaos run: answers 200 to every event and remembers its
 * id, as a receiver that de-duplicates on `Domicile-Event-Id` would. It does not verify the
 * signature: the webhook tests do; here only delivery counts.
 */
export interface WebhookSink {
  readonly url: string;
  readonly received: ReadonlySet<string>;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const received = new Set<string>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers[api.WEBHOOK_EVENT_ID_HEADER];
      if (typeof id === 'string') received.add(id);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
