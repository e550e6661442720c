import { createHash, randomBytes } from 'node:crypto';
import {
  TYP,
  decryptText,
  signJson,
  verifyJson,
  withLuhnCheckDigit,
  type PublicJwk,
  type api,
} from '@domicile/protocol';
import { errorResponse, json, type FakeNetwork, type FakeRequest } from './fake-network.js';
import { FakePush } from './fake-push.js';
import { makeProvisioningData } from './provisioning-data.js';
import { regionKeys, type TestDirectory } from './test-directory.js';

interface Account {
  accountId: string;
  deviceId: string;
  kind: 'registered' | 'guest';
  homeRegion: string;
  encryptionKey: PublicJwk;
}
interface Session {
  view: api.SessionView;
  jkt: string;
  code?: string;
  tokenized?: api.TokenizeResponse;
}
interface Credential {
  view: api.CredentialView;
  jkt: string;
  script?: { scriptId: string; jws: string };
}

const id = (prefix: string): string => `${prefix}_${randomBytes(8).toString('hex')}`;
const b64uSha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');
const TERMS_TEXT = 'You agree to use this card responsibly.';
export const ART = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');

/**
 * A region that keeps to the wire contract, in memory, for the SDK's own tests. Test cards by
 * last 4: 0002 is declined (red), 0005 needs ID&V (yellow, code 123456), anything else is green.
 */
export class FakeRegion {
  readonly accounts = new Map<string, Account>();
  readonly sessions = new Map<string, Session>();
  readonly credentials = new Map<string, Credential>();
  readonly push = new FakePush();
  readonly executions = new Map<string, number>();
  readonly #replies = new Map<string, { status: number; body: unknown }>();
  readonly #announcedArt = new Map<string, { assetId: string; sha256: string }>();
  /** Milliseconds before the TSM announces the script; undefined: it never does. */
  tsmDelayMs: number | undefined = 10;
  /** How the art hash is announced: base64url as the region server does, or hex. */
  artHashEncoding: 'base64url' | 'hex' = 'base64url';
  /** Lets a test corrupt what the region serves. */
  tamper: {
    assertion?: (claims: api.RedirectAssertionClaims) => api.RedirectAssertionClaims;
    art?: Uint8Array;
    /** The session as the provisioning message's answer shows it. */
    session?: (view: api.SessionView) => api.SessionView;
  } = {};

  constructor(
    readonly id: string,
    readonly dir: TestDirectory,
    network: FakeNetwork,
  ) {
    const entry = dir.directory.region(id);
    if (entry === undefined) throw new Error(`unknown region ${id}`);
    network.add(entry.baseUrl, (req) => this.#handle(req));
  }

  async #handle(req: FakeRequest): Promise<Response> {
    const path = req.url.pathname;
    if (path === '/v1/directory') return json(200, { directory: this.dir.jws });
    if (path === '/v1/sandbox/outbox')
      return json(200, { messages: this.#outbox(req.url.searchParams.get('last4')) });
    if (req.jkt === undefined) return errorResponse('DPOP_REQUIRED');
    if (req.method !== 'POST') return this.#get(req, req.jkt, path);
    const key = req.headers.get('idempotency-key');
    if (key === null) return errorResponse('IDEMPOTENCY_KEY_REQUIRED');
    const replay = this.#replies.get(`${req.jkt}:${key}`);
    if (replay !== undefined) return json(replay.status, replay.body);
    this.executions.set(path, (this.executions.get(path) ?? 0) + 1);
    const response = await this.#post(req, req.jkt, path);
    const body: unknown = await response.clone().json();
    this.#replies.set(`${req.jkt}:${key}`, { status: response.status, body });
    return response;
  }

  async #post(req: FakeRequest, jkt: string, path: string): Promise<Response> {
    const body = req.body as Record<string, unknown>;
    if (path === '/v1/accounts') {
      if (this.accounts.has(jkt)) return errorResponse('DEVICE_ALREADY_REGISTERED');
      const device = body.device as { encryptionKey: PublicJwk };
      const account: Account = {
        accountId: id('acc'),
        deviceId: id('dev'),
        kind: 'registered',
        homeRegion: this.id,
        encryptionKey: device.encryptionKey,
      };
      this.accounts.set(jkt, account);
      return json(201, {
        accountId: account.accountId,
        deviceId: account.deviceId,
        region: this.id,
        registeredAt: new Date().toISOString(),
      });
    }
    if (path === '/v1/provisioning') return this.#message(jkt, body as api.ProvisioningMessage);
    const m = /^\/v1\/(provisioning|credentials)\/([^/]+)\/(.+)$/.exec(path);
    if (m?.[1] === 'credentials')
      return this.#activate(jkt, m[2] ?? '', body as api.ActivateRequest);
    const session = this.sessions.get(m?.[2] ?? '');
    if (session === undefined || session.jkt !== jkt) return errorResponse('SESSION_NOT_FOUND');
    const v = session.view;
    switch (m?.[3]) {
      case 'eligibility': {
        v.decision = v.last4 === '0002' ? 'red' : v.last4 === '0005' ? 'yellow' : 'green';
        v.state = v.decision === 'red' ? 'declined' : 'eligible';
        if (v.decision === 'red') v.reason = 'card reported lost';
        return json(200, {
          session: v,
          ...(v.state === 'eligible'
            ? { terms: { id: 'terms-1', text: TERMS_TEXT, hash: b64uSha256(TERMS_TEXT) } }
            : {}),
        });
      }
      case 'terms':
        if (body.hash !== b64uSha256(TERMS_TEXT)) return errorResponse('TERMS_MISMATCH');
        v.state = 'terms_accepted';
        return json(200, { session: v });
      case 'card': {
        const plain = await decryptText(
          String(body.cardDetails),
          regionKeys(this.dir, this.id).encryption.privateJwk,
          TYP.cardDetails,
          'CARD_DETAILS_UNREADABLE',
        );
        const details = JSON.parse(plain) as api.CardDetails;
        if (details.pan.slice(-4) !== v.last4) return errorResponse('CARD_DETAILS_INVALID');
        v.state = v.decision === 'yellow' ? 'idv_required' : 'ready';
        if (v.state === 'idv_required')
          v.idvMethods = [{ id: 'sms-1', kind: 'otp_sms', target: '•••• 0199' }];
        return json(200, { session: v });
      }
      case 'idv':
        session.code = '123456';
        this.#sent.push({
          id: this.#sent.length + 1,
          channel: 'sms',
          target: '•••• 0199',
          last4: v.last4,
          code: session.code,
          createdAt: new Date().toISOString(),
        });
        v.state = 'idv_pending';
        v.idvTriesLeft = 3;
        return json(200, { session: v });
      case 'idv/verify':
        if (body.code !== session.code) {
          v.idvTriesLeft = (v.idvTriesLeft ?? 1) - 1;
          if (v.idvTriesLeft === 0) v.state = 'idv_locked';
          return v.idvTriesLeft === 0
            ? errorResponse('IDV_LOCKED')
            : errorResponse('IDV_CODE_INVALID', { triesLeft: v.idvTriesLeft });
        }
        v.state = 'ready';
        return json(200, { session: v });
      case 'tokenize':
        return json(200, await this.#tokenize(session));
      default:
        return errorResponse('NOT_FOUND');
    }
  }

  readonly #sent: api.SandboxOutboxResponse['messages'] = [];

  #outbox(last4: string | null): api.SandboxOutboxResponse['messages'] {
    return this.#sent.filter((m) => m.last4 === last4).reverse();
  }

  async #message(jkt: string, msg: api.ProvisioningMessage): Promise<Response> {
    const route = this.dir.directory.routeCard(msg.routingPrefix);
    if (route.kind !== 'region') return errorResponse('ROUTING_PREFIX_UNKNOWN');
    let account = this.accounts.get(jkt);
    if (route.region.id !== this.id) {
      if (account?.kind !== 'registered') return errorResponse('DEVICE_UNKNOWN');
      const now = Math.floor(Date.now() / 1000);
      let claims: api.RedirectAssertionClaims = {
        iss: this.id,
        aud: route.region.id,
        sub: id('sub').padEnd(16, '0'),
        jti: id('jti').padEnd(16, '0'),
        iat: now,
        exp: now + 300,
        cnf: { jkt },
        msg: { routingPrefix: msg.routingPrefix, last4: msg.last4 },
        standing: { registeredSince: now, activeCredentials: 0, canTransact: true },
      };
      if (this.tamper.assertion !== undefined) claims = this.tamper.assertion(claims);
      const assertion = await signJson(
        claims,
        regionKeys(this.dir, this.id).signing.privateJwk,
        TYP.redirectAssertion,
      );
      return json(200, {
        outcome: 'redirect',
        redirect: {
          region: route.region.id,
          baseUrl: route.region.baseUrl,
          assertion,
          expiresAt: new Date((now + 300) * 1000).toISOString(),
        },
      });
    }
    if (msg.redirectAssertion !== undefined) {
      const [, payload] = msg.redirectAssertion.split('.');
      const iss = (
        JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { iss: string }
      ).iss;
      const key = this.dir.directory.key(iss, 'signing');
      if (key === undefined) return errorResponse('ASSERTION_INVALID');
      const claims = (await verifyJson(
        msg.redirectAssertion,
        key,
        TYP.redirectAssertion,
        'ASSERTION_INVALID',
      )) as api.RedirectAssertionClaims;
      if (claims.aud !== this.id) return errorResponse('ASSERTION_AUDIENCE');
      if (claims.cnf.jkt !== jkt) return errorResponse('ASSERTION_KEY_MISMATCH');
      if (account === undefined) {
        account = {
          accountId: id('gst'),
          deviceId: id('dev'),
          kind: 'guest',
          homeRegion: iss,
          encryptionKey: msg.device.encryptionKey as PublicJwk,
        };
        this.accounts.set(jkt, account);
      }
    }
    if (account === undefined) return errorResponse('DEVICE_UNKNOWN');
    const view: api.SessionView = {
      id: id('ses'),
      region: this.id,
      state: 'created',
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      last4: msg.last4,
      network: msg.network,
    };
    this.sessions.set(view.id, { view, jkt });
    return json(201, { outcome: 'session', session: this.tamper.session?.(view) ?? view });
  }

  async #tokenize(session: Session): Promise<api.TokenizeResponse> {
    if (session.tokenized !== undefined) return session.tokenized;
    const account = this.accounts.get(session.jkt);
    const range = this.dir.directory.region(this.id)?.tokenRanges[0]?.from ?? '489000';
    const tokenNumber = withLuhnCheckDigit(
      `${range}${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`,
    );
    const tokenRef = id('tok');
    const v = session.view;
    const payload: api.ProvisioningPayload = {
      region: this.id,
      sessionId: v.id,
      tokenRef,
      tokenNumber,
      tokenExpiry: { month: 12, year: 2030 },
      panSequenceNumber: '01',
      iccMasterKey: randomBytes(16).toString('hex').toUpperCase(),
      atcStart: 0,
      network: v.network,
      last4: v.last4,
      deviceJkt: session.jkt,
      issuedAt: Math.floor(Date.now() / 1000),
    };
    const provisioningData = await makeProvisioningData(
      payload,
      regionKeys(this.dir, this.id).signing.privateJwk,
      account?.encryptionKey ?? ({} as PublicJwk),
    );
    const credential: api.CredentialView = {
      tokenRef,
      region: this.id,
      network: v.network,
      last4: v.last4,
      tokenLast4: tokenNumber.slice(-4),
      state: 'pending_activation',
      createdAt: new Date().toISOString(),
    };
    this.credentials.set(tokenRef, { view: credential, jkt: session.jkt });
    v.state = 'tokenized';
    session.tokenized = { session: v, credential, provisioningData };
    const art = {
      assetId: `art_${tokenRef}`,
      sha256: createHash('sha256').update(ART).digest(this.artHashEncoding),
    };
    this.#announcedArt.set(tokenRef, art);
    this.push.notify(session.jkt, { type: 'credential.provisioned', tokenRef, art });
    if (this.tsmDelayMs !== undefined)
      setTimeout(() => void this.#makeScript(tokenRef, art), this.tsmDelayMs);
    return session.tokenized;
  }

  /** The TSM announces a token's script now (tests with `tsmDelayMs` undefined decide when). */
  announceScript(tokenRef: string): Promise<void> {
    const art = this.#announcedArt.get(tokenRef);
    return art === undefined ? Promise.resolve() : this.#makeScript(tokenRef, art);
  }

  async #makeScript(tokenRef: string, artwork: { assetId: string; sha256: string }): Promise<void> {
    const credential = this.credentials.get(tokenRef);
    if (credential === undefined) return;
    const scriptId = id('scr');
    const script: api.PersonalizationScript = {
      scriptId,
      tokenRef,
      region: this.id,
      issuedAt: Math.floor(Date.now() / 1000),
      artwork,
      issuer: {
        name: 'Sandbox Bank',
        phone: '+1 555 0100',
        email: 'help@bank.test',
        website: 'https://bank.test',
      },
      termsUrl: 'https://bank.test/terms',
      commands: [{ op: 'SET_ARTWORK' }, { op: 'SET_ISSUER_CONTACT' }, { op: 'ACTIVATE' }],
    };
    credential.script = {
      scriptId,
      jws: await signJson(
        script,
        regionKeys(this.dir, this.id).tsm.privateJwk,
        TYP.personalizationScript,
      ),
    };
    this.push.notify(credential.jkt, { type: 'tsm.script.ready', tokenRef, scriptId });
  }

  #activate(jkt: string, tokenRef: string, body: api.ActivateRequest): Response {
    const c = this.credentials.get(tokenRef);
    if (c === undefined || c.jkt !== jkt) return errorResponse('CREDENTIAL_NOT_FOUND');
    if (c.script === undefined) return errorResponse('SCRIPT_NOT_READY');
    if (body.scriptId !== c.script.scriptId || body.scriptHash !== b64uSha256(c.script.jws))
      return errorResponse('SCRIPT_HASH_MISMATCH');
    if (c.view.state !== 'active')
      this.push.notify(jkt, { type: 'credential.activated', tokenRef });
    c.view.state = 'active';
    return json(200, { credential: c.view });
  }

  #get(req: FakeRequest, jkt: string, path: string): Response {
    const account = this.accounts.get(jkt);
    if (path === '/v1/accounts/me') {
      if (account === undefined) return errorResponse('DEVICE_UNKNOWN');
      return json(200, {
        accountId: account.accountId,
        deviceId: account.deviceId,
        region: this.id,
        kind: account.kind,
        homeRegion: account.homeRegion,
        registeredAt: new Date().toISOString(),
        activeCredentials: 0,
      });
    }
    const q = req.url.searchParams;
    if (path === '/v1/notifications')
      return json(200, {
        notifications: this.push.list(
          jkt,
          Number(q.get('after') ?? 0),
          Number(q.get('limit') ?? 100),
        ),
      });
    if (path === '/v1/notifications/stream') return this.push.stream(req, jkt);
    if (path.startsWith('/v1/assets/'))
      return new Response(this.tamper.art ?? ART, { headers: { 'content-type': 'image/svg+xml' } });
    const script = /^\/v1\/credentials\/([^/]+)\/script$/.exec(path);
    const c = this.credentials.get(script?.[1] ?? '');
    if (c?.jkt !== jkt) return errorResponse('CREDENTIAL_NOT_FOUND');
    return c.script === undefined
      ? errorResponse('SCRIPT_NOT_READY')
      : json(200, { scriptId: c.script.scriptId, script: c.script.jws });
  }
}
