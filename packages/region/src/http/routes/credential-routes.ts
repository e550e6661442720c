import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { api } from '@domicile/protocol';
import { getAsset } from '../../assets/index.js';
import { activateCredential, getScript, listCredentials } from '../../credentials/index.js';
import type { RegionContext } from '../../region-context.js';
import { answeredInCommit, deviceOf, sendIdempotent } from '../device-auth.js';
import { AssetParams, TokenRefParams, deviceRoute, mediaResponse } from '../route-schemas.js';

const tags = ['credentials'];

export function credentialRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/v1/credentials',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'listCredentials',
          summary: "The calling device's credentials in this region",
          tags,
          response: { 200: api.CredentialListResponse },
        }),
      },
      (request) => listCredentials(ctx, deviceOf(request).device.id),
    );

    app.get(
      '/v1/credentials/:tokenRef/script',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'getPersonalizationScript',
          summary: "The personalization script, signed by this region's TSM",
          tags,
          params: TokenRefParams,
          response: { 200: api.ScriptResponse },
        }),
      },
      (request) => getScript(ctx, deviceOf(request).device.id, request.params.tokenRef),
    );

    app.post(
      '/v1/credentials/:tokenRef/activate',
      {
        config: { auth: 'device', idempotent: 'one-commit' },
        schema: deviceRoute(
          {
            operationId: 'activateCredential',
            summary:
              'Report the script stored in the secure element: the credential becomes active',
            tags,
            params: TokenRefParams,
            body: api.ActivateRequest,
            response: { 200: api.CredentialResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(
          ctx,
          request,
          reply,
          answeredInCommit((inCommit) =>
            activateCredential(
              ctx,
              deviceOf(request).device.id,
              request.params.tokenRef,
              request.body,
              inCommit,
            ),
          ),
        ),
    );

    app.get(
      '/v1/assets/:assetId',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'getAsset',
          summary: 'An asset (card art) by id; `ETag` is its SHA-256',
          tags: ['assets'],
          params: AssetParams,
          response: { 200: mediaResponse('image/svg+xml', 'The card art, an SVG image') },
        }),
      },
      async (request, reply) => {
        const asset = await getAsset(ctx.db, request.params.assetId);
        return reply
          .header('content-type', asset.contentType)
          .header('etag', `"${asset.sha256}"`)
          .header('cache-control', 'private, max-age=31536000, immutable')
          .send(asset.body);
      },
    );
    done();
  };
}
