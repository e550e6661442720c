import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DomicileError, api, toDomicileError } from '@domicile/protocol';
import { appendAudit } from '../audit/index.js';
import { auditRefusal, consoleSignInLimit, verifyOperatorToken } from '../http/index.js';
import { getLostReport, reportLostDevice } from '../lost-device/index.js';
import type { RegionContext } from '../region-context.js';
import { CONSOLE_CSS } from './console-css.js';
import {
  readAuditPage,
  readCredentialHistory,
  readLostReports,
  readOverview,
  readResidencyMap,
} from './console-data.js';
import { page, type Html } from './console-html.js';
import {
  auditContent,
  credentialContent,
  credentialLookupContent,
  errorContent,
  lostDevicesContent,
  lostReportContent,
  overviewContent,
  residencyContent,
  signInContent,
} from './console-pages.js';
import {
  closeConsoleSession,
  findConsoleSession,
  openConsoleSession,
  type ConsoleSession,
  type ConsoleSessionPolicy,
} from './console-session-store.js';

/**
 * The session cookie of a region's console: scoped to the console's paths, never sent to the API.
 * Named after the region, because cookies do not keep ports apart: regions on one host (the
 * demo, a test bench) would otherwise sign each other's operators out.
 */
export const consoleCookieName = (region: string): string =>
  `domicile_console_${region.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * No script at all, one stylesheet from this origin, forms only to this origin, never framed: a
 * value that slipped past escaping still could not run or leak.
 */
export const CONSOLE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not `no-referrer`: under it Chromium sends `Origin: null` with the console's own forms.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

export interface ConsoleRoutesOptions {
  /** Mark the cookie `Secure`: the region serves HTTPS. */
  readonly secureCookie: boolean;
  readonly sessions: ConsoleSessionPolicy;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on console routes that need a session: the session the cookie names. */
    consoleSession?: ConsoleSession & { readonly id: string };
  }
}

const Csrf = Type.String({ minLength: 1, maxLength: 128 });
const SignInBody = Type.Object(
  { token: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
// Optional to the schema so that a form without it meets the CSRF check (403), not validation.
const CsrfBody = Type.Object({ csrf: Type.Optional(Csrf) }, { additionalProperties: false });
const LostBody = Type.Object(
  { csrf: Type.Optional(Csrf), deviceId: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);
const TOKEN_REF = /^[A-Za-z0-9_-]{1,64}$/;

function cookieOf(request: FastifyRequest, cookieName: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookieName) return value.join('=');
  }
  return undefined;
}

/** The console's data routes end in `.json`: they answer errors as JSON, never with a page. */
const wantsJson = (request: FastifyRequest): boolean =>
  (request.url.split('?')[0] ?? '').endsWith('.json');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A state-changing request must come from a console page: the browser says so in
 * `Sec-Fetch-Site` and `Origin` when it sends them (a defence in depth beside the CSRF token and
 * the SameSite cookie, and the only one a sign-in, made before any session, can have).
 */
function checkSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new DomicileError('CONSOLE_CSRF_INVALID');
  const { origin, host } = request.headers;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost !== host) throw new DomicileError('CONSOLE_CSRF_INVALID');
  }
  if (origin === 'null') throw new DomicileError('CONSOLE_CSRF_INVALID');
}

/**
 * The operator console at `/console`: server-rendered pages over the region's own database,
 * behind a sign-in with an operator token (the support API's) into a server-side session. Read
 * only, except reporting a device lost (the support API's one action).
 */
export function consoleRoutes(
  ctx: RegionContext,
  options: ConsoleRoutesOptions,
): FastifyPluginCallback {
  return (root, _options, done) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const signInLimit = consoleSignInLimit(app);
    const cookieName = consoleCookieName(ctx.self.id);
    const frame = (title: string, current?: string, session?: ConsoleSession) => ({
      region: ctx.self.id,
      title,
      ...(current === undefined ? {} : { current }),
      ...(session === undefined ? {} : { session }),
    });
    const send = (
      reply: FastifyReply,
      status: number,
      f: ReturnType<typeof frame>,
      content: Html,
    ) => reply.code(status).type('text/html; charset=utf-8').send(page(f, content));
    const cookie = (value: string, maxAgeSeconds: number): string =>
      `${cookieName}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${options.secureCookie ? '; Secure' : ''}`;
    const sessionOf = (request: FastifyRequest): ConsoleSession & { readonly id: string } => {
      if (request.consoleSession === undefined) throw new DomicileError('CONSOLE_SESSION_REQUIRED');
      return request.consoleSession;
    };

    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
    app.addHook('onSend', async (_request, reply, payload) => {
      void reply.headers(SECURITY_HEADERS);
      return payload;
    });
    // Every route but the stylesheet and the sign-in needs a live session: pages send the browser
    // to the sign-in form, data and forms answer 401.
    app.addHook('onRequest', async (request, reply) => {
      const open = request.routeOptions.config.console === 'open';
      const sessionId = cookieOf(request, cookieName);
      const session =
        sessionId === undefined
          ? undefined
          : await findConsoleSession(ctx.db, {
              sessionId,
              now: ctx.now(),
              policy: options.sessions,
            });
      if (session !== undefined && sessionId !== undefined)
        request.consoleSession = { ...session, id: sessionId };
      if (open || session !== undefined) return;
      if (request.method === 'GET' && !wantsJson(request))
        return reply.redirect('/console/sign-in', 303);
      throw new DomicileError('CONSOLE_SESSION_REQUIRED');
    });
    // Every state-changing request: from this origin, and with the session's CSRF token.
    const checkForm = (request: FastifyRequest): void => {
      if (request.method !== 'POST') return;
      checkSameOrigin(request);
      if (request.routeOptions.config.console === 'open') return;
      const csrf = (request.body as { csrf?: unknown } | undefined)?.csrf;
      if (typeof csrf !== 'string' || !sameText(csrf, sessionOf(request).csrf))
        throw new DomicileError('CONSOLE_CSRF_INVALID');
    };
    app.addHook('preHandler', (request, _reply, done) => {
      try {
        checkForm(request);
      } catch (error) {
        done(toDomicileError(error));
        return;
      }
      done();
    });
    app.setErrorHandler(async (error, request, reply) => {
      const mapped = toDomicileError(error);
      root.countError(mapped.code);
      if (mapped.status >= 500)
        request.log.error({ err: error, code: mapped.code }, 'console request failed');
      else if (mapped.code !== 'RATE_LIMITED')
        await auditRefusal(ctx, request, mapped).catch((auditError: unknown) =>
          request.log.error({ err: auditError }, 'refused console request not audited'),
        );
      const retryAfter = mapped.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
      if (wantsJson(request)) return reply.code(mapped.status).send(mapped.toBody());
      const signInAgain = mapped.code === 'CONSOLE_SESSION_REQUIRED';
      return send(
        reply,
        mapped.status,
        frame('Not done', undefined, signInAgain ? undefined : request.consoleSession),
        errorContent(ERROR_TEXT[mapped.code] ?? mapped.message, signInAgain),
      );
    });

    app.get(
      '/console/console.css',
      { config: { console: 'open' }, schema: { hide: true } },
      (_request, reply) => reply.type('text/css; charset=utf-8').send(CONSOLE_CSS),
    );

    app.get(
      '/console/sign-in',
      { config: { console: 'open' }, schema: { hide: true } },
      (request, reply) =>
        request.consoleSession === undefined
          ? send(reply, 200, frame('Sign in'), signInContent(undefined))
          : reply.redirect('/console', 303),
    );

    app.post(
      '/console/sign-in',
      {
        config: { console: 'open' },
        onRequest: signInLimit,
        schema: { hide: true, body: SignInBody },
      },
      async (request, reply) => {
        let operator: string;
        try {
          operator = verifyOperatorToken(
            ctx.operatorTokenHashes,
            `Bearer ${request.body.token.trim()}`,
          );
        } catch {
          // One answer for a missing, malformed or unknown token; the row records the attempt only.
          await appendAudit(ctx.db, {
            at: ctx.now().toISOString(),
            actor: 'anonymous',
            action: 'console.sign_in_refused',
            subject: 'console',
            detail: { address: request.ip },
          });
          root.countError('CONSOLE_SIGN_IN_FAILED');
          return send(reply, 401, frame('Sign in'), signInContent('refused'));
        }
        const { sessionId } = await openConsoleSession(ctx.db, {
          operator,
          address: request.ip,
          now: ctx.now(),
          policy: options.sessions,
        });
        void reply.header(
          'set-cookie',
          cookie(sessionId, Math.floor(options.sessions.absoluteMs / 1000)),
        );
        return reply.redirect('/console', 303);
      },
    );

    app.post(
      '/console/sign-out',
      { schema: { hide: true, body: CsrfBody } },
      async (request, reply) => {
        const session = sessionOf(request);
        await closeConsoleSession(ctx.db, {
          sessionId: session.id,
          operator: session.operator,
          now: ctx.now(),
        });
        void reply.header('set-cookie', cookie('', 0));
        return send(reply, 200, frame('Sign in'), signInContent('signed_out'));
      },
    );

    app.get('/console', { schema: { hide: true } }, async (request, reply) =>
      send(
        reply,
        200,
        frame('Overview', '/console', sessionOf(request)),
        overviewContent(await readOverview(ctx)),
      ),
    );

    app.get('/console/overview.json', { schema: { hide: true } }, async () => readOverview(ctx));

    app.get('/console/lost-devices', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      return send(
        reply,
        200,
        frame('Lost devices', '/console/lost-devices', session),
        lostDevicesContent(await readLostReports(ctx), session.csrf),
      );
    });

    app.post(
      '/console/lost-devices',
      { schema: { hide: true, body: LostBody } },
      async (request, reply) => {
        const deviceId = request.body.deviceId.trim();
        if (!TOKEN_REF.test(deviceId)) throw new DomicileError('DEVICE_NOT_FOUND');
        const report = await reportLostDevice(ctx, {
          deviceId,
          reporter: { kind: 'operator', operatorId: sessionOf(request).operator },
        });
        return reply.redirect(`/console/lost-devices/${encodeURIComponent(report.reportId)}`, 303);
      },
    );

    app.get(
      '/console/lost-devices/:reportId',
      { schema: { hide: true, params: Type.Object({ reportId: api.IdSchema }) } },
      async (request, reply) =>
        send(
          reply,
          200,
          frame('Lost-device report', '/console/lost-devices', sessionOf(request)),
          lostReportContent(await getLostReport(ctx, request.params.reportId)),
        ),
    );

    app.get(
      '/console/audit',
      {
        schema: {
          hide: true,
          querystring: Type.Object(
            { page: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) =>
        send(
          reply,
          200,
          frame('Audit log', '/console/audit', sessionOf(request)),
          auditContent(await readAuditPage(ctx, Number(request.query.page ?? '1'))),
        ),
    );

    app.get('/console/residency', { schema: { hide: true } }, async (request, reply) =>
      send(
        reply,
        200,
        frame('Residency', '/console/residency', sessionOf(request)),
        residencyContent(await readResidencyMap(ctx), ctx.self.id),
      ),
    );

    app.get(
      '/console/credentials',
      {
        schema: {
          hide: true,
          querystring: Type.Object(
            { tokenRef: Type.Optional(Type.String({ maxLength: 200 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const tokenRef = request.query.tokenRef?.trim();
        if (tokenRef !== undefined && TOKEN_REF.test(tokenRef))
          return reply.redirect(`/console/credentials/${tokenRef}`, 303);
        return send(
          reply,
          tokenRef === undefined ? 200 : 404,
          frame('Credentials', '/console/credentials', sessionOf(request)),
          credentialLookupContent(tokenRef !== undefined),
        );
      },
    );

    app.get(
      '/console/credentials/:tokenRef',
      {
        schema: {
          hide: true,
          params: Type.Object({ tokenRef: Type.String({ pattern: TOKEN_REF.source }) }),
        },
      },
      async (request, reply) => {
        const session = sessionOf(request);
        try {
          const history = await readCredentialHistory(ctx, request.params.tokenRef);
          return send(
            reply,
            200,
            frame(`Credential ${history.tokenRef}`, '/console/credentials', session),
            credentialContent(history),
          );
        } catch (error) {
          if (!(error instanceof DomicileError) || error.code !== 'TOKEN_NOT_FOUND') throw error;
          return send(
            reply,
            404,
            frame('Credentials', '/console/credentials', session),
            credentialLookupContent(true),
          );
        }
      },
    );
    done();
  };
}

/** Console wording for refusals an operator meets; any other code shows its table message. */
const ERROR_TEXT: Readonly<Record<string, string>> = {
  CONSOLE_SESSION_REQUIRED: 'Your console session has ended: sign in again.',
  CONSOLE_CSRF_INVALID: 'This form is out of date: reload the page and submit again.',
  RATE_LIMITED: 'Too many attempts: wait a minute and try again.',
  DEVICE_NOT_FOUND: 'No device with this id in this region.',
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `open`: a console route served without a session (the stylesheet, the sign-in). */
    console?: 'open';
  }
}
