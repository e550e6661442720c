import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '@domicile/device';
import type { LocalDeployment } from '@domicile/cli';
import { sendAuthorization } from '@domicile/network';
import { createTestPostgresDatabase } from '@domicile/region/testing';
import {
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

/**
 * Database statements per request (`domicile_db_statements_total` over the requests of
 * `domicile_http_request_duration_seconds`), `begin` and `commit` included: on PostgreSQL each
 * counted is a round trip (a `begin` sent with its transaction's first statement is not counted).
 * Counted, not timed: the same on a loaded machine. A count that rises fails; one that falls is
 * written down here.
 */
type Costs = Record<string, number>;

const REGIONS = ['us', 'eu', 'cn'];

interface Sample {
  readonly statements: Map<string, number>;
  readonly requests: Map<string, number>;
}

function labelsOf(line: string): { key: string; value: number } | undefined {
  const match = /\{([^}]*)\} (\S+)$/.exec(line);
  if (match === undefined || match === null) return undefined;
  const labels = new Map(
    [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  return {
    key: `${labels.get('region')} ${labels.get('method')} ${labels.get('route')}`,
    value: Number(match[2]),
  };
}

async function sample(deployment: LocalDeployment): Promise<Sample> {
  const statements = new Map<string, number>();
  const requests = new Map<string, number>();
  for (const region of REGIONS) {
    const text = await (await fetch(`${deployment.baseUrl(region)}/metrics`)).text();
    for (const line of text.split('\n')) {
      const into = line.startsWith('domicile_db_statements_total{')
        ? statements
        : line.startsWith('domicile_http_request_duration_seconds_count{')
          ? requests
          : undefined;
      const parsed = into === undefined ? undefined : labelsOf(line);
      if (into === undefined || parsed === undefined) continue;
      into.set(parsed.key, (into.get(parsed.key) ?? 0) + parsed.value);
    }
  }
  return { statements, requests };
}

/** Statements per request of each route that served requests between two samples. */
async function measure(deployment: LocalDeployment, work: () => Promise<void>): Promise<Costs> {
  const before = await sample(deployment);
  await work();
  const after = await sample(deployment);
  const costs: Costs = {};
  for (const [key, count] of after.requests) {
    if (key.endsWith(' /metrics')) continue;
    const requests = count - (before.requests.get(key) ?? 0);
    if (requests === 0) continue;
    const statements = (after.statements.get(key) ?? 0) - (before.statements.get(key) ?? 0);
    costs[key] = statements / requests;
  }
  return costs;
}

/** The statements of the state-changing requests of a flow (reads are polled: their number varies). */
const writes = (costs: Costs): number =>
  Object.entries(costs)
    .filter(([key]) => key.split(' ')[1] === 'POST')
    .reduce((sum, [, perRequest]) => sum + perRequest, 0);

/**
 * The most each may cost (statements per request by route, and the state-changing requests of
 * each flow summed): measured 2026-12-01, then lowered the same day (home 93 → 90 on SQLite,
 * 78 → 66 on PostgreSQL; redirected 113 → 104 and 95 → 75 — the home region's redirect reads its
 * device and the account's live credentials in one query, the owning region appends a redirected
 * device's arrival and its session to the audit chain together; an authorization 7 → 4 there, then
 * its vault record read with its credential, 7 → 6 and 4 → 3), and again on PostgreSQL (home
 * 66 → 53, redirected 75 → 62): a transaction's `begin` rides with its first statement
 * (`storage/postgres/deferred-begin-driver.ts`) and an audit row is one statement. Then (home
 * 90 → 82 and 53 → 51, redirected 104 → 96 and 62 → 60): on SQLite an audit append moves the chain
 * head from where the process's last append left it in one statement (`audit/audit-log.ts`), and
 * on both eligibility reads the account's live credentials with its session, and tokenization its
 * vault record's card hash.
 * On SQLite `begin` and `commit` are calls inside the process; on PostgreSQL each statement is a
 * round trip, and a device write's proof and key take one (`idempotency/single-use-reservation.ts`), as do an audit row with its chain head
 * (`audit/audit-log.ts`), a notification with its device lock, and an authorization's jti with
 * its ATC claim (`payments/atc-claim.ts`). A step's stored answer rides in the commit of its work
 * (`IdempotentAttempt`): the same statements, one commit fewer per device write. A step that is
 * one local transaction takes its key there too, instead of in a reservation of its own
 * (`RunOptions.oneCommit`: the provisioning message, terms, tokenize, activate, a device's removal
 * and lost report; not eligibility, card details, push payload and ID&V, which call the issuer or
 * commit a wrong code's cost on their own): three statements and a commit fewer each on SQLite,
 * one statement fewer on PostgreSQL. With all of these, home 70 and 47, redirected 81 and 55.
 * The TSM worker's script, kicked by tokenize, runs outside the request and is not counted here. A notification's publication wakes the
 * device's open stream, whose read of it is counted against the request when it runs before the
 * answer: always on SQLite (in the same turn), sometimes on PostgreSQL (after NOTIFY), hence the
 * margin of one on activate there.
 */
const PINNED = {
  sqlite: {
    home: 70,
    redirected: 81,
    authorization: 6,
    routes: {
      'POST /v1/provisioning': 11,
      'POST /v1/provisioning/:sessionId/eligibility': 12,
      'POST /v1/provisioning/:sessionId/terms': 9,
      'POST /v1/provisioning/:sessionId/card': 14,
      'POST /v1/provisioning/:sessionId/tokenize': 16,
      'POST /v1/credentials/:tokenRef/activate': 11,
      'POST /v1/authorizations': 6,
      'GET /v1/accounts/me': 3,
      'GET /v1/assets/:assetId': 3,
      'GET /v1/credentials/:tokenRef/script': 3,
    } as Record<string, number>,
  },
  postgres: {
    home: 47,
    redirected: 55,
    authorization: 3,
    routes: {
      'POST /v1/provisioning': 8,
      'POST /v1/provisioning/:sessionId/eligibility': 7,
      'POST /v1/provisioning/:sessionId/terms': 6,
      'POST /v1/provisioning/:sessionId/card': 9,
      'POST /v1/provisioning/:sessionId/tokenize': 13,
      'POST /v1/credentials/:tokenRef/activate': 7,
      'POST /v1/authorizations': 3,
      'GET /v1/accounts/me': 3,
      'GET /v1/assets/:assetId': 3,
      'GET /v1/credentials/:tokenRef/script': 3,
    } as Record<string, number>,
  },
};

const dialects = process.env.DOMICILE_SKIP_PG === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(dialects)('statements per request, on %s', (dialect) => {
  let deployment: LocalDeployment & { cleanup(): Promise<void> };
  let wallet: Wallet;
  const dropDatabases: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const urls = new Map<string, string>();
    if (dialect === 'postgres')
      for (const region of REGIONS) {
        const db = await createTestPostgresDatabase(`domicile_statements_${region}`);
        urls.set(region, db.connectionString);
        dropDatabases.push(() => db.drop());
      }
    deployment = await startE2eDeployment({
      network: true,
      ...(dialect === 'postgres' ? { databaseUrl: (region) => urls.get(region) ?? '' } : {}),
    });
    wallet = await registeredWallet(deployment, 'us');
  });
  afterAll(async () => {
    await deployment.cleanup();
    for (const drop of dropDatabases) await drop();
  });

  it('pins a home provisioning flow, a redirected flow and an authorization', async () => {
    const home = await measure(deployment, async () => {
      await wallet.addCard(cardInput(testCard('us', 'green')), userHooks());
    });
    const redirected = await measure(deployment, async () => {
      await wallet.addCard(cardInput(testCard('cn', 'green')), userHooks());
    });
    const [card] = wallet.cards().filter((c) => c.region === 'us');
    if (card === undefined) throw new Error('no us card');
    const authorization = await measure(deployment, async () => {
      const request = await wallet.pay({
        card: card.tokenRef,
        amountMinor: 1_250,
        currency: 'USD',
        country: 'US',
        merchant: { id: 'e2e-shop', name: 'E2E Shop' },
      });
      const routerUrl = deployment.networkUrl ?? '';
      expect((await sendAuthorization({ routerUrl, request })).approved).toBe(true);
    });
    const measured = {
      home: writes(home),
      redirected: writes(redirected),
      authorization: writes(authorization),
    };
    console.log(JSON.stringify({ dialect, ...measured, home_: home, redirected_: redirected }));
    const pinned = PINNED[dialect as keyof typeof PINNED];
    for (const [flow, costs] of Object.entries({ home, redirected, authorization }))
      for (const [route, perRequest] of Object.entries(costs))
        expect({ flow, route, perRequest }).toEqual({
          flow,
          route,
          perRequest: Math.min(perRequest, pinned.routes[route.slice(3)] ?? 0),
        });
    expect(measured).toEqual({
      home: Math.min(measured.home, pinned.home),
      redirected: Math.min(measured.redirected, pinned.redirected),
      authorization: Math.min(measured.authorization, pinned.authorization),
    });
  });
});
