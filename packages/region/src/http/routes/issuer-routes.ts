import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { api } from '@domicile/protocol';
import { changeStateAsIssuer, updateProductArt } from '../../lifecycle/index.js';
import {
  REISSUE_REASON,
  openReissuedCard,
  reissueCredential,
  reissueFingerprint,
} from '../../reissue/index.js';
import type { RegionContext } from '../../region-context.js';
import { getIssuerToken, listIssuerTokens } from '../../token-lookup/index.js';
import { idempotencyKeyOf } from '../device-auth.js';
import { issuerAuthHook, issuerRequestOf } from '../issuer-auth.js';
import { SECURITY, TokenRefParams, errorResponses, type MediaResponse } from '../route-schemas.js';

const tags = ['issuer'];
const IssuerGetHeaders = Type.Object({
  [api.HEADERS.issuerRequest]: Type.Optional(
    Type.String({
      description:
        'The issuer-signed request (compact JWS) over GET and this path with its query, as sent.',
    }),
  ),
});
const ReissueHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Retries with the same key and card return the first answer.' }),
  ),
});
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

    app.post(
      '/v1/issuer/credentials/:tokenRef/reissue',
      {
        config: { peer: 'issuer' },
        schema: {
          ...issuerRoute({
            operationId: 'reissueCredentialAsIssuer',
            summary:
              'Issuer: replace the card (number and/or expiry) behind a token; the token and the device stay',
            params: TokenRefParams,
            response: { 200: api.IssuerReissueResponse },
          }),
          headers: ReissueHeaders,
        },
      },
      async (request, reply) => {
        const key = idempotencyKeyOf(request);
        const { issuer, body } = issuerRequestOf(request, api.IssuerReissueBody);
        const card = await openReissuedCard(ctx, body.card);
        const reason = body.reason ?? REISSUE_REASON;
        const result = await ctx.idempotency.run(
          {
            scope: `issuer:${issuer.id}`,
            key,
            method: request.method,
            path: request.url,
            body: reissueFingerprint(ctx, card, reason),
          },
          async () => ({
            status: 200,
            body: await reissueCredential(ctx, {
              issuer,
              tokenRef: request.params.tokenRef,
              card,
              reason,
            }),
          }),
        );
        if (result.replayed) void reply.header('idempotent-replayed', 'true');
        return reply.code(result.status).send(result.body);
      },
    );

    app.get(
      '/v1/issuer/credentials',
      {
        config: { peer: 'issuer' },
        schema: {
          operationId: 'listCredentialsAsIssuer',
          summary:
            'Issuer: its own tokens, filtered by product, state, last 4 and device, oldest first, by pages',
          description: `The signed request goes in the \`${api.HEADERS.issuerRequest}\` header, over GET and the path with its query (docs/protocol.md).`,
          tags,
          security: SECURITY.issuer,
          headers: IssuerGetHeaders,
          querystring: api.IssuerTokenQuery,
          response: { 200: api.IssuerTokenListResponse, ...errorResponses },
        },
      },
      async (request) => {
        const { issuer } = issuerRequestOf(request, Type.Unknown());
        return listIssuerTokens(ctx, issuer, request.query);
      },
    );

    app.get(
      '/v1/issuer/credentials/:tokenRef',
      {
        config: { peer: 'issuer' },
        schema: {
          operationId: 'getCredentialAsIssuer',
          summary: 'Issuer: one of its tokens (state, device, created, last used; last 4 only)',
          description: `The signed request goes in the \`${api.HEADERS.issuerRequest}\` header, over GET and this path (docs/protocol.md).`,
          tags,
          security: SECURITY.issuer,
          headers: IssuerGetHeaders,
          params: TokenRefParams,
          response: { 200: api.IssuerTokenResponse, ...errorResponses },
        },
      },
      async (request) => {
        const { issuer } = issuerRequestOf(request, Type.Unknown());
        return getIssuerToken(ctx, issuer, request.params.tokenRef);
      },
    );

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
