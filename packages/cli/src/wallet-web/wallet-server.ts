import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegionClient } from '@domicile/device';
import { sendAuthorization } from '@domicile/network';
import {
  DomicileError,
  isDomicileError,
  statusOf,
  verifyDirectory,
  type Directory,
  type PublicJwk,
  type api,
} from '@domicile/protocol';
import { WALLET_PAGE_CSS, WALLET_PAGE_HTML } from './wallet-page-html.js';

/** The bundle `npm run build` makes (`build:wallet-page`): the same path from `src/` and `dist/`. */
const BUNDLE = new URL('../../dist/wallet-page/wallet-app.js', import.meta.url);
const MAX_REQUEST_BYTES = 64 * 1024;

export interface WalletServerOptions {
  /** A region's base URL: the page takes its directory, verified with `authorityKey`. */
  readonly bootstrapUrl: string;
  readonly authorityKey: PublicJwk;
  /** The region the page proposes as home. */
  readonly homeRegion?: string;
  /** The card network's router; default the first network in the directory with a base URL. */
  readonly routerUrl?: string;
  readonly host?: string;
  readonly port?: number;
  readonly fetch?: typeof fetch;
}

export interface WalletServer {
  readonly url: string;
  /** The directory the server checked at start (regions, routers). */
  readonly directory: Directory;
  close(): Promise<void>;
}

function originOf(url: string): string {
  return new URL(url).origin;
}

/**
 * The page's policy: its own script and style only, card art only from blob: URLs it made, and
 * requests only to itself and the regions of the verified directory.
 */
function contentSecurityPolicy(directory: Directory, bootstrapUrl: string): string {
  const regions = new Set([
    originOf(bootstrapUrl),
    ...directory.regions.map((r) => originOf(r.baseUrl)),
  ]);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    `connect-src 'self' ${[...regions].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new DomicileError('BODY_TOO_LARGE');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (cause) {
    throw new DomicileError('MALFORMED_JSON', { cause });
  }
}

/**
 * `domicile wallet serve`: the browser wallet's page and bundle, the page's settings, and a shop
 * terminal that hands the page's authorization requests to the card network's router (a page
 * pays at a merchant; the merchant's side talks to the network, never the page).
 */
export async function startWalletServer(options: WalletServerOptions): Promise<WalletServer> {
  const client = new RegionClient({
    region: 'bootstrap',
    baseUrl: options.bootstrapUrl,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const directory = await verifyDirectory(await client.directory(), options.authorityKey);
  const routerUrl = options.routerUrl ?? directory.networks.find((n) => n.baseUrl)?.baseUrl;
  const bundle = await readFile(BUNDLE).catch((cause: unknown) => {
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: 'the wallet page is not built: npm run build' },
      cause,
    });
  });
  const config = JSON.stringify({
    bootstrapUrl: options.bootstrapUrl,
    authorityKey: options.authorityKey,
    regions: directory.regions.map((r) => ({ id: r.id, name: r.name })),
    ...(options.homeRegion === undefined ? {} : { homeRegion: options.homeRegion }),
  });
  const headers = {
    'content-security-policy': contentSecurityPolicy(directory, options.bootstrapUrl),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { ...headers, 'content-type': type });
    res.end(body);
  };
  const sendError = (res: ServerResponse, error: DomicileError) =>
    send(res, statusOf(error.code), 'application/json', JSON.stringify(error.toBody()));

  const terminal = async (req: IncomingMessage, res: ServerResponse) => {
    if (routerUrl === undefined)
      throw new DomicileError('SERVICE_UNAVAILABLE', { details: { reason: 'no network router' } });
    const request = (await readBody(req)) as api.AuthorizationRequest;
    // The router checks the request's schema; its refusals come back as they are.
    const answer = await sendAuthorization({
      routerUrl,
      request,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    send(res, 200, 'application/json', JSON.stringify(answer));
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://wallet').pathname;
    const route = `${req.method ?? 'GET'} ${path}`;
    switch (route) {
      case 'GET /':
        return send(res, 200, 'text/html; charset=utf-8', WALLET_PAGE_HTML);
      case 'GET /wallet.css':
        return send(res, 200, 'text/css; charset=utf-8', WALLET_PAGE_CSS);
      case 'GET /wallet-app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', bundle);
      case 'GET /config.json':
        return send(res, 200, 'application/json', config);
      case 'POST /terminal/authorizations':
        return void terminal(req, res).catch((error: unknown) =>
          sendError(
            res,
            isDomicileError(error) ? error : new DomicileError('INTERNAL', { cause: error }),
          ),
        );
      default:
        return sendError(res, new DomicileError('NOT_FOUND'));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    directory,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
