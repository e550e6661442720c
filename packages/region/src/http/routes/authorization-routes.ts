import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { api } from '@domicile/protocol';
import { verifyNetworkAuthorization } from '../../request-auth/index.js';
import { authorizeTransaction, listTransactions } from '../../payments/index.js';
import type { RegionContext } from '../../region-context.js';
import { deviceOf } from '../device-auth.js';
import { SECURITY, deviceRoute, errorResponses } from '../route-schemas.js';

const tags = ['payments'];

/**
 * Payments. `POST /v1/authorizations` is for card networks, not devices: no DPoP, no
 * Idempotency-Key; the body is the network router's JWS, verified with the network's key from
 * the signed directory, single-use by its `jti`. `GET /v1/transactions` is the device's.
 */
export function authorizationRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/v1/authorizations',
      {
        config: { peer: 'network' },
        schema: {
          operationId: 'authorizeTransaction',
          summary:
            'Network routers only: decide an authorization for a token this region issued (a decline is a 200)',
          description:
            'A resend of a request with the same `requestId` and content gets the recorded decision and ARPC; the same `requestId` with other content is AUTHORIZATION_REQUEST_MISMATCH (409).',
          tags,
          security: SECURITY.network,
          body: api.SignedAuthorization,
          response: { 200: api.AuthorizationResponse, ...errorResponses },
        },
      },
      async (request) => {
        const verified = await verifyNetworkAuthorization({
          jws: request.body.authorization,
          directory: ctx.directory,
          self: ctx.self.id,
          now: ctx.now(),
        });
        return authorizeTransaction(ctx, verified);
      },
    );

    app.get(
      '/v1/transactions',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'listTransactions',
          summary: "The calling device's authorizations in this region, newest first",
          tags,
          response: { 200: api.TransactionListResponse },
        }),
      },
      (request) => listTransactions(ctx, deviceOf(request).device.id),
    );
    done();
  };
}
