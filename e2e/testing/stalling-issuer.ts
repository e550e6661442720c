import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An issuer on a loopback port that a region reaches through `--issuer-url`: it says green to
 * every card, and holds the first card-details check unanswered, so that the region's
 * `POST …/card` is caught in the middle, its Idempotency-Key reserved, for as long as a test needs.
 * It does not verify the region's signed requests: it plays an issuer's timing, not its checks.
 */
export interface StallingIssuer {
  /** Its base URL, for `--issuer-url`. */
  readonly url: string;
  /** Resolves when the first card-details check arrived (and is being held). */
  readonly stalled: Promise<void>;
  /** How many card-details checks arrived. */
  readonly checks: () => number;
  /** Answers the held check (green), as if the issuer had only been slow. */
  release(): void;
  close(): Promise<void>;
}

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
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(path === '/eligibility' ? { decision: 'green', product: PRODUCT } : {}));
}

export async function startStallingIssuer(): Promise<StallingIssuer> {
  let checks = 0;
  let onStall: () => void = () => undefined;
  let held: ServerResponse | undefined;
  const stalled = new Promise<void>((resolve) => {
    onStall = resolve;
  });
  const server = createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://issuer').pathname;
    if (path === '/card-details/verify' && ++checks === 1) {
      held = res;
      onStall();
      return;
    }
    answer(res, path);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stalled,
    checks: () => checks,
    release: () => {
      if (held !== undefined) answer(held, '/card-details/verify');
      held = undefined;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
