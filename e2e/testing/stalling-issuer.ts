import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An issuer on a loopback port that a region reaches through `--issuer-url`: it says green to
 * every card and approves every authorization, and holds the first request of one operation
 * unanswered (by default the first card-details check, so that the region's `POST …/card` is
 * caught in the middle, its Idempotency-Key reserved), for as long as a test needs.
 * It does not verify the region's signed requests: it plays an issuer's timing, not its checks.
 */
export interface StallingIssuer {
  /** Its base URL, for `--issuer-url`. */
  readonly url: string;
  /** Resolves when the first request of the stalled operation arrived (and is being held). */
  readonly stalled: Promise<void>;
  /** How many card-details checks arrived. */
  readonly checks: () => number;
  /** The `authorizationId` of each authorization asked, in order. */
  readonly authorizations: () => readonly string[];
  /** Answers the held request, as if the issuer had only been slow. */
  release(): void;
  close(): Promise<void>;
}

/** Which operation the issuer holds the first request of. */
export type StalledOperation = 'card-details/verify' | 'authorizations';

const PRODUCT = {
  id: 'stalling-issuer-card',
  issuerName: 'Stalling Test Bank',
  phone: '+1 555 0100',
  email: 'support@bank.example',
  website: 'https://bank.example',
  termsUrl: 'https://bank.example/terms',
  terms: { id: 'stalling-terms-1', text: 'Terms of the stalling test bank.' },
  art: { background: '#203040', foreground: '#FFFFFF', label: 'Stalling Test' },
};

function answer(res: ServerResponse, path: string): void {
  const body =
    path === 'eligibility'
      ? { decision: 'green', product: PRODUCT }
      : path === 'authorizations'
        ? { approved: true, reason: 'approved' }
        : {};
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The `request` inside the region's signed envelope (a compact JWS). */
function requestOf(jws: string): Record<string, unknown> {
  const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString()) as {
    request?: Record<string, unknown>;
  };
  return payload.request ?? {};
}

export async function startStallingIssuer(
  stall: StalledOperation = 'card-details/verify',
): Promise<StallingIssuer> {
  let checks = 0;
  const authorizations: string[] = [];
  let onStall: () => void = () => undefined;
  let held: { res: ServerResponse; path: string } | undefined;
  const stalled = new Promise<void>((resolve) => {
    onStall = resolve;
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://issuer').pathname.slice(1);
      if (path === 'card-details/verify') checks += 1;
      if (path === 'authorizations')
        authorizations.push(String(requestOf(Buffer.concat(chunks).toString()).authorizationId));
      const count = path === 'authorizations' ? authorizations.length : checks;
      if (path === stall && count === 1) {
        held = { res, path };
        onStall();
        return;
      }
      answer(res, path);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stalled,
    checks: () => checks,
    authorizations: () => [...authorizations],
    release: () => {
      if (held !== undefined) answer(held.res, held.path);
      held = undefined;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
