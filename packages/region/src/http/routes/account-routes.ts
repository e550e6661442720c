import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { api } from '@domicile/protocol';
import { accountView, registerAccount } from '../../accounts/index.js';
import type { RegionContext } from '../../region-context.js';
import { deviceOf, dpopOf, sendIdempotent } from '../device-auth.js';
import { deviceRoute } from '../route-schemas.js';

export function accountRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/v1/accounts',
      {
        config: { auth: 'dpop', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'registerAccount',
            summary: 'Register an account in this home region, with the device making the request',
            tags: ['accounts'],
            body: api.RegisterAccountRequest,
            response: { 201: api.RegisterAccountResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(ctx, request, reply, async () => {
          const dpop = dpopOf(request);
          return {
            status: 201,
            body: await registerAccount(ctx, {
              jkt: dpop.jkt,
              signingJwk: dpop.jwk,
              request: request.body,
            }),
          };
        }),
    );

    app.get(
      '/v1/accounts/me',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'getMyAccount',
          summary: 'The account of the calling device',
          tags: ['accounts'],
          response: { 200: api.AccountView },
        }),
      },
      (request) => accountView(ctx, deviceOf(request)),
    );
    done();
  };
}
