import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { api } from '@domicile/protocol';
import { LOST_DEVICE_PATH, receiveLostDeviceRequest } from '../../lost-device/index.js';
import type { RegionContext } from '../../region-context.js';
import { DEVICE_TOKENS_PATH, answerDeviceTokensRequest } from '../../token-lookup/index.js';
import { SECURITY, errorResponses } from '../route-schemas.js';

/**
 * Region-to-region requests. The body is a JWS that only a region of the signed directory can
 * make, addressed to this region and used once; under mutual TLS the caller also needs a client
 * certificate (`peer`).
 */
export function regionRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      LOST_DEVICE_PATH,
      {
        config: { auth: 'region', peer: 'region' },
        schema: {
          operationId: 'receiveLostDeviceRequest',
          summary:
            'A home region asks to suspend the tokens of a lost device; answers a signed confirmation',
          tags: ['regions'],
          security: SECURITY.region,
          body: api.RegionRequestBody,
          response: {
            200: api.RegionConfirmationResponse,
            ...errorResponses,
          },
        },
      },
      (request) => receiveLostDeviceRequest(ctx, request.body.request),
    );
    app.post(
      DEVICE_TOKENS_PATH,
      {
        config: { auth: 'region', peer: 'region' },
        schema: {
          operationId: 'answerDeviceTokensRequest',
          summary:
            'A home region asks which tokens a device of one of its accounts holds here; answers a signed list (last 4 only)',
          tags: ['regions'],
          security: SECURITY.region,
          body: api.RegionRequestBody,
          response: { 200: api.DeviceTokensAnswerResponse, ...errorResponses },
        },
      },
      (request) => answerDeviceTokensRequest(ctx, request.body.request),
    );
    done();
  };
}
