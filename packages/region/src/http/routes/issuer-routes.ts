import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { api } from '@domicile/protocol';
import { changeStateAsIssuer, updateProductArt } from '../../lifecycle/index.js';
import type { RegionContext } from '../../region-context.js';
import { issuerAuthHook, issuerRequestOf } from '../issuer-auth.js';
import { SECURITY, TokenRefParams, errorResponses, type MediaResponse } from '../route-schemas.js';

const tags = ['issuer'];
const ProductParams = Type.Object(
  { productId: api.ProductIdSchema },
  { additionalProperties: false },
);

function issuerRoute<
  T extends { operationId: string; summary: string; response: Record<number, TSchema> },
>(
  spec: T,
): T & {
  tags: string[];
  security: Record<string, string[]>[];
  body: TSchema;
  response: Record<string, TSchema | MediaResponse>;
} {
  return {
    ...spec,
    tags,
    security: SECURITY.issuer,
    body: api.IssuerRequestBody,
    response: { ...spec.response, ...errorResponses },
    description:
      'Body: `{ "request": "<JWS>" }`, signed by a trusted issuer over this method and path (docs/lifecycle.md).',
  };
}

/**
 * The issuer API: issuer credentials only (a JWS by a key the region's configuration lists), never
 * device credentials; an issuer acts only on tokens of its own products.
 */
export function issuerRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.addHook('preValidation', issuerAuthHook(ctx));

    for (const action of ['suspend', 'resume', 'delete'] as const) {
      app.post(
        `/v1/issuer/credentials/:tokenRef/${action}`,
        {
          config: { peer: 'issuer' },
          schema: issuerRoute({
            operationId: `${action}CredentialAsIssuer`,
            summary: `Issuer: ${action} a token of one of its products`,
            params: TokenRefParams,
            response: { 200: api.IssuerCredentialResponse },
          }),
        },
        async (request) => {
          const { issuer, body } = issuerRequestOf(request, api.IssuerLifecycleBody);
          return changeStateAsIssuer(ctx, issuer, request.params.tokenRef, action, body);
        },
      );
    }

    app.put(
      '/v1/issuer/products/:productId/art',
      {
        config: { peer: 'issuer' },
        schema: issuerRoute({
          operationId: 'updateProductArtAsIssuer',
          summary:
            'Issuer: new card art for a product, pushed to every device holding one of its tokens',
          params: ProductParams,
          response: { 200: api.IssuerArtResponse },
        }),
      },
      async (request) => {
        const { issuer, body } = issuerRequestOf(request, api.IssuerArtBody);
        return updateProductArt(ctx, issuer, request.params.productId, body);
      },
    );
    done();
  };
}
