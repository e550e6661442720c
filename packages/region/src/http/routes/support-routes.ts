import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { api, toDomicileError } from '@domicile/protocol';
import type { IdempotentOperation, InCommit } from '../../idempotency/index.js';
import { getLostReport, reportLostDevice } from '../../lost-device/index.js';
import type { RegionContext } from '../../region-context.js';
import { listDeviceTokensEverywhere } from '../../token-lookup/index.js';
import { answeredInCommit, deviceOf, sendIdempotent } from '../device-auth.js';
import { authenticateOperator, operatorOf, sendOperatorIdempotent } from '../operator-auth.js';
import {
  EmptyBody,
  SECURITY,
  deviceRoute,
  errorResponses,
  type MediaResponse,
} from '../route-schemas.js';

const tags = ['support'];

/** A lost-device report answered 201 with `{ report }`, stored in the report's own commit. */
function reportAnswer(
  report: (inCommit: InCommit<api.LostReportView>) => Promise<api.LostReportView>,
): IdempotentOperation {
  return answeredInCommit<api.LostReportResponse>(
    async (inCommit) => {
      // The very object stored in the commit is returned: the store then writes no second copy.
      let answer: api.LostReportResponse | undefined;
      const view = await report(async (trx, recorded) => {
        answer = { report: recorded };
        await inCommit(trx, answer);
      });
      return answer ?? { report: view };
    },
    () => 201,
  );
}
const DeviceParams = Type.Object({ deviceId: api.IdSchema }, { additionalProperties: false });
const ReportParams = Type.Object({ reportId: api.IdSchema }, { additionalProperties: false });
const OperatorHeaders = Type.Object({
  authorization: Type.Optional(
    Type.String({ description: 'Bearer <operator token>: its SHA-256 is in the region config.' }),
  ),
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Retries with the same key return the first answer.' }),
  ),
});

/** Route schema of an operator request (bearer operator token, Idempotency-Key on POST). */
function operatorRoute<T extends Record<string, unknown>>(
  spec: T & { operationId: string; summary: string; response: Record<number, TSchema> },
): T & {
  tags: string[];
  headers: TSchema;
  security: Record<string, string[]>[];
  response: Record<string, TSchema | MediaResponse>;
} {
  return {
    ...spec,
    tags,
    headers: OperatorHeaders,
    security: SECURITY.operator,
    response: { ...spec.response, ...errorResponses },
  };
}

/**
 * The support API of a home region (operators, authenticated by an operator token) for a lost
 * device, and the same report made by the device itself (DPoP) — for instance before a wipe.
 */
export function supportRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.addHook('onRequest', (request, _reply, done) => {
      try {
        if (request.routeOptions.config.auth === 'operator') authenticateOperator(ctx, request);
      } catch (error) {
        done(toDomicileError(error));
        return;
      }
      done();
    });

    app.post(
      '/v1/support/devices/:deviceId/lost',
      {
        config: { auth: 'operator' },
        schema: operatorRoute({
          operationId: 'reportDeviceLost',
          summary:
            'Report a device lost: its tokens are suspended here at once and in every other region by signed requests',
          params: DeviceParams,
          body: EmptyBody,
          response: { 201: api.LostReportResponse },
        }),
      },
      (request, reply) =>
        sendOperatorIdempotent(
          ctx,
          request,
          reply,
          reportAnswer((inCommit) =>
            reportLostDevice(ctx, {
              deviceId: request.params.deviceId,
              reporter: { kind: 'operator', operatorId: operatorOf(request) },
              inCommit,
            }),
          ),
        ),
    );

    app.get(
      '/v1/support/lost-reports/:reportId',
      {
        config: { auth: 'operator' },
        schema: operatorRoute({
          operationId: 'getLostReport',
          summary:
            'A lost-device report: per region, pending, failing (with attempts) or confirmed (with tokens suspended)',
          params: ReportParams,
          response: { 200: api.LostReportResponse },
        }),
      },
      async (request) => ({ report: await getLostReport(ctx, request.params.reportId) }),
    );

    app.get(
      '/v1/support/devices/:deviceId/tokens',
      {
        config: { auth: 'operator' },
        schema: operatorRoute({
          operationId: 'listDeviceTokens',
          summary:
            "A device's tokens in every region: here, and in each other region by a signed region-to-region request (per-region status)",
          params: DeviceParams,
          response: { 200: api.DeviceTokensResponse },
        }),
      },
      async (request) => listDeviceTokensEverywhere(ctx, request.params.deviceId),
    );

    app.post(
      '/v1/devices/me/lost',
      {
        config: { auth: 'device', idempotent: 'one-commit' },
        schema: deviceRoute(
          {
            operationId: 'reportThisDeviceLost',
            summary:
              'The calling device reports itself lost (at its home region), e.g. before a remote wipe',
            tags,
            body: EmptyBody,
            response: { 201: api.LostReportResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(
          ctx,
          request,
          reply,
          reportAnswer((inCommit) =>
            reportLostDevice(ctx, {
              deviceId: deviceOf(request).device.id,
              reporter: { kind: 'device' },
              inCommit,
            }),
          ),
        ),
    );
    done();
  };
}
