import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DomicileError, api, definedProps } from '@domicile/protocol';
import { readOutbox } from '../../issuer/index.js';
import type { RegionContext } from '../../region-context.js';
import { SECURITY, errorResponses } from '../route-schemas.js';

/** Routes without device proof: the signed directory, the sandbox issuer's outbox, health. */
export function publicRoutes(
  ctx: RegionContext,
  options: { sandbox: boolean },
): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/v1/directory',
      {
        schema: {
          operationId: 'getDirectory',
          summary: 'The region directory, signed by the directory authority',
          tags: ['directory'],
          security: SECURITY.public,
          response: { 200: api.DirectoryResponse, ...errorResponses },
        },
      },
      () => ({ directory: ctx.directory.jws }),
    );

    app.get(
      '/v1/sandbox/outbox',
      {
        schema: {
          operationId: 'readSandboxOutbox',
          summary: 'Sandbox issuer only: the one-time codes it "sent", newest first',
          tags: ['sandbox'],
          security: SECURITY.public,
          querystring: Type.Object(
            {
              last4: Type.Optional(api.Last4Schema),
              /** A provisioning session or join request id: its codes only. */
              subject: Type.Optional(api.IdSchema),
            },
            { additionalProperties: false },
          ),
          response: { 200: api.SandboxOutboxResponse, ...errorResponses },
        },
      },
      async (request) => {
        if (!options.sandbox) throw new DomicileError('SANDBOX_DISABLED');
        return {
          messages: await readOutbox(ctx.db, {
            limit: 20,
            ...definedProps({ last4: request.query.last4, subject: request.query.subject }),
          }),
        };
      },
    );

    app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok', region: ctx.self.id }));
    app.get('/readyz', { schema: { hide: true } }, async () => {
      await ctx.db.selectFrom('accounts').select('id').limit(1).execute();
      return { status: 'ready', region: ctx.self.id };
    });
    done();
  };
}
