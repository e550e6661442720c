import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { api } from '@domicile/protocol';
import { changeStateFromDevice } from '../../lifecycle/index.js';
import type { RegionContext } from '../../region-context.js';
import { deviceOf, sendIdempotent } from '../device-auth.js';
import { TokenRefParams, deviceRoute } from '../route-schemas.js';

const tags = ['credentials'];
const SUMMARIES: Record<api.LifecycleAction, string> = {
  suspend: "Suspend one of the calling device's tokens (payments with it are declined)",
  resume:
    'Resume a token the device suspended (not one the issuer or a lost-device report suspended)',
  delete: 'Delete a token: final; its card data is crypto-shredded',
};

/** The user's lifecycle requests from the device: DPoP, Idempotency-Key, their own tokens only. */
export function lifecycleRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    for (const action of ['suspend', 'resume', 'delete'] as const) {
      app.post(
        `/v1/credentials/:tokenRef/${action}`,
        {
          config: { auth: 'device', idempotent: true },
          schema: deviceRoute(
            {
              operationId: `${action}Credential`,
              summary: SUMMARIES[action],
              tags,
              params: TokenRefParams,
              body: api.CredentialLifecycleRequest,
              response: { 200: api.CredentialResponse },
            },
            true,
          ),
        },
        (request, reply) =>
          sendIdempotent(ctx, request, reply, async () => ({
            status: 200,
            body: await changeStateFromDevice(
              ctx,
              deviceOf(request).device.id,
              request.params.tokenRef,
              action,
              request.body,
            ),
          })),
      );
    }
    done();
  };
}
