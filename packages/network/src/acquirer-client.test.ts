import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { api } from '@domicile/protocol';
import { sendAuthorization } from './acquirer-client.js';

const TOKEN = '4890001234567890';
let server: Server;
let routerUrl: string;

// A router on loopback that answers each path with its own kind of garbage, echoing the token.
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.url === '/wrong-shape/v1/authorizations')
      res.writeHead(200).end(JSON.stringify({ approved: 'yes', token: TOKEN }));
    else res.writeHead(400).end(JSON.stringify({ message: `bad ${TOKEN}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  routerUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const send = (path: string): Promise<unknown> =>
  sendAuthorization({
    routerUrl: `${routerUrl}/${path}`,
    request: { tokenNumber: TOKEN } as api.AuthorizationRequest,
  }).catch((e: unknown) => e);

describe('sendAuthorization', () => {
  it('says PEER_MALFORMED for an answer of the wrong shape or an error that is no Domicile error', async () => {
    const answers = [await send('wrong-shape'), await send('refuse')];
    expect(answers).toMatchObject([
      { code: 'PEER_MALFORMED', details: { peer: 'network-router', what: 'schema' } },
      {
        code: 'PEER_MALFORMED',
        details: { peer: 'network-router', what: 'error-body', status: 400 },
      },
    ]);
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(TOKEN);
  });
});
