import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../audit/index.js';
import { operatorTokenHash } from '../http/index.js';
import type { RegionKeySet } from '../keys/index.js';
import { createRegion, type Region } from '../region-server.js';
import * as f from '../storage/storage.fixtures.js';
import {
  createRegionFixture,
  createTestDevice,
  createTestPostgresDatabase,
} from '../testing/index.js';
import { CONSOLE_CSP, consoleCookieName } from './console-routes.js';

const CONSOLE_COOKIE = consoleCookieName('us');
import { DEFAULT_CONSOLE_SESSION_POLICY } from './console-session-store.js';

const TOKEN = 'operator-token-for-the-console-test';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const MINUTE = 60_000;

/** Prometheus text: the value of each sample, by name and labels (without the region label). */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels = (m[2] ?? '')
      .split(/,(?=[a-z_]+=")/)
      .filter((l) => l !== '' && !l.startsWith('region='))
      .join(',');
    found.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return found;
}

const skipPg = process.env.DOMICILE_SKIP_PG === '1';

describe.each([
  ['sqlite', false],
  ['postgres', skipPg],
] as const)('operator console on %s (inject)', (dialect, skip) => {
  let region: Region;
  let clock = new Date();
  let drop: (() => Promise<void>) | undefined;

  const get = (url: string, cookie?: string) =>
    region.app.inject({ method: 'GET', url, headers: cookie === undefined ? {} : { cookie } });
  const post = (
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
    remoteAddress = '127.0.0.1',
  ) =>
    region.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...headers },
      payload: new URLSearchParams(form).toString(),
      remoteAddress,
    });
  // Each sign-in from an address of its own: the limit per address has its own test.
  let signIns = 0;
  const signIn = async (): Promise<{ cookie: string; csrf: string }> => {
    signIns += 1;
    const res = await post('/console/sign-in', { token: TOKEN }, {}, `10.0.0.${signIns}`);
    expect(res.statusCode).toBe(303);
    const setCookie = String(res.headers['set-cookie']);
    const cookie = setCookie.split(';')[0] ?? '';
    const page = await get('/console/lost-devices', cookie);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return { cookie, csrf };
  };
  const actions = async (): Promise<string[]> =>
    (await region.context.db.selectFrom('audit_log').select('action').orderBy('seq').execute()).map(
      (r) => r.action,
    );

  beforeAll(async () => {
    if (skip) return;
    const fixture = await createRegionFixture();
    let databaseUrl = 'sqlite::memory:';
    if (dialect === 'postgres') {
      const database = await createTestPostgresDatabase('domicile_console');
      databaseUrl = database.connectionString;
      drop = () => database.drop();
    }
    region = await createRegion({
      region: 'us',
      directoryJws: fixture.directoryJws,
      authorityKey: fixture.authorityKey,
      keys: fixture.keys.get('us') as RegionKeySet,
      databaseUrl,
      issuer: { kind: 'sandbox' },
      logLevel: 'silent',
      tsmPollMs: 60_000,
      operatorTokenHashes: [operatorTokenHash(TOKEN)],
      now: () => clock,
    });
  });
  afterAll(async () => {
    await region?.close();
    await drop?.();
  });

  it.skipIf(skip)(
    'serves nothing without a session: pages go to the sign-in, data is 401',
    async () => {
      const page = await get('/console');
      expect([page.statusCode, page.headers.location]).toEqual([303, '/console/sign-in']);
      expect((await get('/console/audit')).headers.location).toBe('/console/sign-in');
      const data = await get('/console/overview.json');
      expect([data.statusCode, data.json<{ error: { code: string } }>().error.code]).toEqual([
        401,
        'CONSOLE_SESSION_REQUIRED',
      ]);
      const signInPage = await get('/console/sign-in');
      expect(signInPage.statusCode).toBe(200);
      expect(signInPage.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(signInPage.body).toContain('<label for="token">Operator token</label>');
      expect(signInPage.body).not.toContain('<script');
      expect((await get('/console/console.css')).headers['content-type']).toContain('text/css');
      // A forged cookie is no session either.
      expect((await get('/console', `${CONSOLE_COOKIE}=${'A'.repeat(43)}`)).statusCode).toBe(303);
    },
  );

  it.skipIf(skip)(
    'refuses a missing, short or unknown token with one message, and audits it',
    async () => {
      const answers = await Promise.all(
        ['', 'short', 'an-unknown-but-well-formed-token'].map((token) =>
          post('/console/sign-in', { token }),
        ),
      );
      for (const res of answers) {
        expect(res.statusCode).toBe(401);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.body).toContain('Sign-in failed.');
        expect(res.body).not.toContain('an-unknown-but-well-formed-token');
      }
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      const refused = await region.context.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'console.sign_in_refused')
        .execute();
      expect(refused).toHaveLength(3);
      expect(refused.map((r) => r.detail).join()).not.toContain('unknown-but');
    },
  );

  it.skipIf(skip)(
    'signs in into an HttpOnly, SameSite=Strict cookie on /console whose id is stored hashed',
    async () => {
      const res = await post('/console/sign-in', { token: TOKEN });
      expect([res.statusCode, res.headers.location]).toEqual([303, '/console']);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(
        new RegExp(
          `^${CONSOLE_COOKIE}=[A-Za-z0-9_-]{43}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=28800$`,
        ),
      );
      const id = /=([^;]+);/.exec(setCookie)?.[1] ?? '';
      const rows = await region.context.db.selectFrom('console_sessions').selectAll().execute();
      expect(rows.some((r) => r.operator === operatorTokenHash(TOKEN).slice(0, 12))).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(id);
      const overview = await get('/console', `${CONSOLE_COOKIE}=${id}`);
      expect(overview.statusCode).toBe(200);
      expect(overview.body).toContain('Provisioning today (UTC)');
      expect(await actions()).toContain('console.signed_in');
    },
  );

  it.skipIf(skip)(
    'demands the session’s CSRF token and a same-origin request on every state change',
    async () => {
      const { cookie, csrf } = await signIn();
      expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const lost = (form: Record<string, string>, headers: Record<string, string> = {}) =>
        post('/console/lost-devices', form, { cookie, ...headers });
      expect((await lost({ deviceId: 'dev-1' })).statusCode).toBe(403);
      expect((await lost({ deviceId: 'dev-1', csrf: 'x'.repeat(43) })).statusCode).toBe(403);
      const other = await signIn();
      expect((await lost({ deviceId: 'dev-1', csrf: other.csrf })).statusCode).toBe(403);
      expect(
        (await lost({ deviceId: 'dev-1', csrf }, { 'sec-fetch-site': 'cross-site' })).statusCode,
      ).toBe(403);
      expect(
        (await lost({ deviceId: 'dev-1', csrf }, { origin: 'https://evil.example' })).statusCode,
      ).toBe(403);
      const refusal = await lost({ deviceId: 'dev-1' });
      expect(refusal.body).toContain('This form is out of date');
      // Without a session at all: 401, not a redirect.
      expect((await post('/console/lost-devices', { deviceId: 'dev-1', csrf })).statusCode).toBe(
        401,
      );
      // The right token passes the check (and meets the unknown device).
      expect((await lost({ deviceId: 'dev-1', csrf })).statusCode).toBe(404);
    },
  );

  it.skipIf(skip)('signs out: the cookie is cleared and its session gone', async () => {
    const { cookie, csrf } = await signIn();
    expect((await post('/console/sign-out', { csrf: 'wrong' }, { cookie })).statusCode).toBe(403);
    const out = await post('/console/sign-out', { csrf }, { cookie });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await get('/console', cookie)).statusCode).toBe(303);
    expect(await actions()).toContain('console.signed_out');
  });

  it.skipIf(skip)(
    'ends a session idle too long, and any session at its absolute lifetime',
    async () => {
      const { idleMs, absoluteMs } = DEFAULT_CONSOLE_SESSION_POLICY;
      const start = clock;
      try {
        const idle = await signIn();
        clock = new Date(start.getTime() + idleMs - MINUTE);
        expect((await get('/console', idle.cookie)).statusCode).toBe(200);
        clock = new Date(clock.getTime() + idleMs);
        expect((await get('/console', idle.cookie)).statusCode).toBe(303);

        clock = start;
        const busy = await signIn();
        let at = start.getTime();
        while (at + idleMs / 2 < start.getTime() + absoluteMs) {
          at += idleMs / 2;
          clock = new Date(at);
          expect((await get('/console/overview.json', busy.cookie)).statusCode).toBe(200);
        }
        clock = new Date(start.getTime() + absoluteMs);
        expect((await get('/console/overview.json', busy.cookie)).statusCode).toBe(401);
      } finally {
        clock = new Date();
      }
    },
  );

  it.skipIf(skip)('shows the numbers /metrics shows: the same reads', async () => {
    const db = region.context.db;
    const at = clock.toISOString();
    const cred = f.credential({
      token_number: '4890001234567890',
      state: 'active',
      created_at: at,
    });
    await db
      .insertInto('credentials')
      .values([cred, f.credential({ state: 'suspended' })])
      .execute();
    await db
      .insertInto('credential_lifecycle')
      .values(f.credentialLifecycle({ credential_id: cred.id, token_ref: cred.token_ref }))
      .execute();
    await db
      .insertInto('transactions')
      .values([
        f.transaction({ created_at: at }),
        f.transaction({
          created_at: at,
          approved: 0,
          reason: 'insufficient_funds',
          response_code: '51',
        }),
      ])
      .execute();
    await db
      .insertInto('tsm_scripts')
      .values(f.tsmScript({ state: 'pending', attempts: 2, created_at: at, ready_at: null }))
      .execute();
    await db
      .insertInto('webhook_deliveries')
      .values(
        f.webhookDelivery({ delivered_at: null, payload: `{"tokenRef":"${cred.token_ref}"}` }),
      )
      .execute();
    for (const action of ['session.opened', 'redirect.issued', 'idv.code_sent'] as const)
      await appendAudit(db, { at, actor: 'system', action, subject: cred.token_ref });
    await appendAudit(db, {
      at,
      actor: 'system',
      action: 'eligibility.decided',
      subject: 's-1',
      detail: { decision: 'yellow' },
    });
    const { cookie } = await signIn();
    const overview = (await get('/console/overview.json', cookie)).json<{
      tokens: { state: string; product: string; count: number }[];
      funnel: Record<string, number> & { decisions: Record<string, number> };
      authorizations: { decision: string; reason: string; count: number }[];
      queues: { queue: string; depth: number; failing: number }[];
    }>();
    const metrics = samples((await get('/metrics')).body);
    expect(overview.tokens.length).toBeGreaterThanOrEqual(2);
    for (const t of overview.tokens)
      expect(metrics.get(`domicile_tokens{state="${t.state}",product="${t.product}"}`)).toBe(
        t.count,
      );
    expect(overview.funnel.messages).toBe(2);
    expect(overview.funnel.decisions['yellow']).toBe(1);
    expect(metrics.get('domicile_provisioning_today{stage="messages"}')).toBe(
      overview.funnel.messages,
    );
    expect(metrics.get('domicile_provisioning_today{stage="decision_yellow"}')).toBe(1);
    expect(metrics.get('domicile_provisioning_today{stage="codes_sent"}')).toBe(
      overview.funnel['codesSent'],
    );
    expect(overview.authorizations).toHaveLength(2);
    for (const a of overview.authorizations)
      expect(
        metrics.get(`domicile_authorizations_today{decision="${a.decision}",reason="${a.reason}"}`),
      ).toBe(a.count);
    for (const q of overview.queues) {
      expect(metrics.get(`domicile_queue_depth{queue="${q.queue}"}`)).toBe(q.depth);
      expect(metrics.get(`domicile_queue_failing{queue="${q.queue}"}`)).toBe(q.failing);
    }
    expect(overview.queues.find((q) => q.queue === 'tsm')).toMatchObject({ depth: 1, failing: 1 });

    // The credential's page: its token masked to the last 4, its webhook and lifecycle rows.
    const page = await get(`/console/credentials/${cred.token_ref}`, cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('•••• 7890');
    expect(page.body).not.toContain('4890001234567890');
    expect(page.body).toContain('token.suspended');
    expect((await get('/console/credentials/no-such-ref', cookie)).statusCode).toBe(404);
  });

  it.skipIf(skip)('escapes whatever the database holds', async () => {
    await appendAudit(region.context.db, {
      at: clock.toISOString(),
      actor: 'system',
      action: 'request.refused',
      subject: '<script>alert(1)</script>',
      detail: { note: '"><img src=x onerror=alert(1)>' },
    });
    const { cookie } = await signIn();
    const page = await get('/console/audit', cookie);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script');
    expect(page.body).not.toContain('<img');
    expect(page.body).toContain('Chain verified');
  });

  it.skipIf(skip)('reports a device lost from the console, as the support API does', async () => {
    const device = await createTestDevice();
    const path = '/v1/accounts';
    const reg = await region.app.inject({
      method: 'POST',
      url: path,
      headers: await device.headers('POST', `${region.context.self.baseUrl}${path}`),
      payload: JSON.stringify({
        name: 'Console Tester',
        email: 'console@example.com',
        device: { encryptionKey: device.encryption.publicJwk },
      }),
    });
    const deviceId = String(reg.json<{ deviceId: string }>().deviceId);
    const { cookie, csrf } = await signIn();
    const res = await post('/console/lost-devices', { deviceId, csrf }, { cookie });
    expect(res.statusCode).toBe(303);
    const report = await get(String(res.headers.location), cookie);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('us (home)');
    const row = await region.context.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'device.reported_lost')
      .executeTakeFirstOrThrow();
    expect(row.actor).toBe(`operator:${operatorTokenHash(TOKEN).slice(0, 12)}`);
  });

  it.skipIf(skip)('limits sign-in attempts per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1)
      statuses.push(
        (await post('/console/sign-in', { token: 'still-not-the-operator-token' })).statusCode,
      );
    expect(statuses).toContain(429);
    const limited = await post('/console/sign-in', { token: TOKEN });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    // Another address is not held back.
    expect((await post('/console/sign-in', { token: TOKEN }, {}, '10.3.0.2')).statusCode).toBe(303);
  });
});
