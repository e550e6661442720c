import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { api } from '@domicile/protocol';
import {
  acceptTerms,
  checkEligibility,
  getSession,
  receiveCardDetails,
  receiveProvisioningMessage,
  receivePushPayload,
  selectIdvMethod,
  tokenize,
  verifyIdvCode,
} from '../../provisioning/index.js';
import type { RegionContext } from '../../region-context.js';
import { answeredInCommit, deviceOf, dpopOf, sendIdempotent } from '../device-auth.js';
import { EmptyBody, SessionParams, deviceRoute } from '../route-schemas.js';

const tags = ['provisioning'];

export function provisioningRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/v1/provisioning',
      {
        config: { auth: 'dpop', idempotent: 'one-commit' },
        schema: deviceRoute(
          {
            operationId: 'sendProvisioningMessage',
            summary:
              'Provisioning message: open a session here, or get redirect information to the owning region',
            tags,
            body: api.ProvisioningMessage,
            response: {
              200: api.ProvisioningMessageResponse,
              201: api.ProvisioningMessageResponse,
            },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(
          ctx,
          request,
          reply,
          answeredInCommit(
            (inCommit) => {
              const { jkt, jwk } = dpopOf(request);
              return receiveProvisioningMessage(ctx, { jkt, jwk, message: request.body }, inCommit);
            },
            // A session is a resource made here (201); redirect information is only an answer (200).
            (body: api.ProvisioningMessageResponse) => (body.outcome === 'session' ? 201 : 200),
          ),
        ),
    );

    app.get(
      '/v1/provisioning/:sessionId',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'getProvisioningSession',
          summary: 'A provisioning session',
          tags,
          params: SessionParams,
          response: { 200: api.SessionResponse },
        }),
      },
      (request) => getSession(ctx, deviceOf(request).device.id, request.params.sessionId),
    );

    app.post(
      '/v1/provisioning/:sessionId/eligibility',
      {
        config: { auth: 'device', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'checkEligibility',
            summary: 'Eligibility and the issuer decision (green, yellow, red), with the terms',
            tags,
            params: SessionParams,
            body: EmptyBody,
            response: { 200: api.EligibilityResponse },
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
            checkEligibility(ctx, deviceOf(request), request.params.sessionId, inCommit),
          ),
        ),
    );

    app.post(
      '/v1/provisioning/:sessionId/terms',
      {
        config: { auth: 'device', idempotent: 'one-commit' },
        schema: deviceRoute(
          {
            operationId: 'acceptTerms',
            summary: 'Accept the terms and conditions offered',
            tags,
            params: SessionParams,
            body: api.AcceptTermsRequest,
            response: { 200: api.SessionResponse },
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
            acceptTerms(ctx, deviceOf(request), request.params.sessionId, request.body, inCommit),
          ),
        ),
    );

    app.post(
      '/v1/provisioning/:sessionId/card',
      {
        config: { auth: 'device', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'sendCardDetails',
            summary: "Card details, as a JWE to this region's encryption key",
            tags,
            params: SessionParams,
            body: api.CardDetailsRequest,
            response: { 200: api.SessionResponse },
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
            receiveCardDetails(
              ctx,
              deviceOf(request),
              request.params.sessionId,
              request.body,
              inCommit,
            ),
          ),
        ),
    );

    app.post(
      '/v1/provisioning/:sessionId/push-payload',
      {
        config: { auth: 'device', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'sendPushPayload',
            summary:
              "Card details from the issuer's app: its signed push payload instead of card details and ID&V",
            tags,
            params: SessionParams,
            body: api.PushPayloadRequest,
            response: { 200: api.SessionResponse },
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
            receivePushPayload(
              ctx,
              deviceOf(request),
              request.params.sessionId,
              request.body,
              inCommit,
            ),
          ),
        ),
    );

    app.post(
      '/v1/provisioning/:sessionId/idv',
      {
        config: { auth: 'device', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'selectIdvMethod',
            summary: 'Choose an ID&V method: a one-time code is sent',
            tags,
            params: SessionParams,
            body: api.SelectIdvRequest,
            response: { 200: api.SessionResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(ctx, request, reply, async () => ({
          status: 200,
          body: await selectIdvMethod(
            ctx,
            deviceOf(request),
            request.params.sessionId,
            request.body,
          ),
        })),
    );

    app.post(
      '/v1/provisioning/:sessionId/idv/verify',
      {
        config: { auth: 'device', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'verifyIdvCode',
            summary: 'Verify the one-time code (3 tries)',
            tags,
            params: SessionParams,
            body: api.VerifyIdvRequest,
            response: { 200: api.SessionResponse },
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
            verifyIdvCode(ctx, deviceOf(request), request.params.sessionId, request.body, inCommit),
          ),
        ),
    );

    app.post(
      '/v1/provisioning/:sessionId/tokenize',
      {
        config: { auth: 'device', idempotent: 'one-commit' },
        schema: deviceRoute(
          {
            operationId: 'tokenize',
            summary: 'Tokenize: the token and the provisioning data, encrypted to the device',
            tags,
            params: SessionParams,
            body: EmptyBody,
            response: { 200: api.TokenizeResponse },
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
            tokenize(ctx, deviceOf(request), request.params.sessionId, inCommit),
          ),
        ),
    );
    done();
  };
}
