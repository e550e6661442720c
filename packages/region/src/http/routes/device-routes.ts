import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { api } from '@domicile/protocol';
import {
  approveJoin,
  listAccountTokens,
  getOwnJoinRequest,
  listDevices,
  listJoinRequests,
  refuseJoin,
  removeDevice,
  requestJoin,
  verifyJoinCode,
} from '../../devices/index.js';
import type { RegionContext } from '../../region-context.js';
import { answeredInCommit, deviceOf, dpopOf, sendIdempotent } from '../device-auth.js';
import { EmptyBody, deviceRoute } from '../route-schemas.js';

const JoinParams = Type.Object({ joinRequestId: api.IdSchema }, { additionalProperties: false });
const DeviceParams = Type.Object({ deviceId: api.IdSchema }, { additionalProperties: false });
const tags = ['devices'];

/**
 * Several devices per account, at the home region: a new device asks to join (its DPoP key is
 * not on any account yet), a device of the account approves or refuses, or the new device
 * completes the request with the code sent to the account's contact; devices are listed and
 * removed.
 */
export function deviceRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/v1/accounts/join',
      {
        config: { auth: 'dpop', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'requestJoin',
            summary:
              'The calling device asks to join an account of this home region, by approval of a device of the account or by a code sent to its contact',
            tags,
            body: api.JoinRequestBody,
            response: { 201: api.JoinRequestResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(ctx, request, reply, async () => {
          const dpop = dpopOf(request);
          return {
            status: 201,
            body: {
              joinRequest: await requestJoin(ctx, {
                jkt: dpop.jkt,
                signingJwk: dpop.jwk,
                request: request.body,
              }),
            },
          };
        }),
    );

    app.get(
      '/v1/accounts/join/:joinRequestId',
      {
        config: { auth: 'dpop' },
        schema: deviceRoute({
          operationId: 'getOwnJoinRequest',
          summary: 'The calling device reads its own join request: pending, approved, refused',
          tags,
          params: JoinParams,
          response: { 200: api.JoinRequestResponse },
        }),
      },
      async (request) => ({
        joinRequest: await getOwnJoinRequest(ctx, {
          jkt: dpopOf(request).jkt,
          id: request.params.joinRequestId,
        }),
      }),
    );

    app.post(
      '/v1/accounts/join/:joinRequestId/verify',
      {
        config: { auth: 'dpop', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'verifyJoinCode',
            summary:
              "The calling device completes its join request with the code sent to the account's contact",
            tags,
            params: JoinParams,
            body: api.VerifyJoinCodeBody,
            response: { 200: api.JoinRequestResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(ctx, request, reply, async () => ({
          status: 200,
          body: {
            joinRequest: await verifyJoinCode(ctx, {
              jkt: dpopOf(request).jkt,
              id: request.params.joinRequestId,
              code: request.body.code,
            }),
          },
        })),
    );

    app.get(
      '/v1/accounts/me/join-requests',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'listJoinRequests',
          summary: 'The pending join requests of the calling device’s account',
          tags,
          response: { 200: api.JoinRequestListResponse },
        }),
      },
      async (request) => ({ joinRequests: await listJoinRequests(ctx, deviceOf(request)) }),
    );

    app.post(
      '/v1/accounts/me/join-requests/:joinRequestId/approve',
      {
        config: { auth: 'device', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'approveJoinRequest',
            summary:
              'A device of the account approves a join request with its signed approval (bound to the new device’s key and the short code)',
            tags,
            params: JoinParams,
            body: api.ApproveJoinBody,
            response: { 200: api.JoinRequestResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(ctx, request, reply, async () => ({
          status: 200,
          body: {
            joinRequest: await approveJoin(ctx, deviceOf(request), {
              id: request.params.joinRequestId,
              approval: request.body.approval,
            }),
          },
        })),
    );

    app.post(
      '/v1/accounts/me/join-requests/:joinRequestId/refuse',
      {
        config: { auth: 'device', idempotent: true },
        schema: deviceRoute(
          {
            operationId: 'refuseJoinRequest',
            summary: 'A device of the account refuses a join request',
            tags,
            params: JoinParams,
            body: EmptyBody,
            response: { 200: api.JoinRequestResponse },
          },
          true,
        ),
      },
      (request, reply) =>
        sendIdempotent(ctx, request, reply, async () => ({
          status: 200,
          body: {
            joinRequest: await refuseJoin(ctx, deviceOf(request), {
              id: request.params.joinRequestId,
            }),
          },
        })),
    );

    app.get(
      '/v1/accounts/me/devices',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'listAccountDevices',
          summary: 'The devices of the calling device’s account: active, lost and removed',
          tags,
          response: { 200: api.DeviceListResponse },
        }),
      },
      async (request) => ({ devices: await listDevices(ctx, deviceOf(request)) }),
    );

    app.get(
      '/v1/accounts/me/credentials',
      {
        config: { auth: 'device' },
        schema: deviceRoute({
          operationId: 'listAccountCredentials',
          summary:
            'Every token of the calling device’s account in this region, with the device that holds it',
          tags,
          response: { 200: api.AccountCredentialListResponse },
        }),
      },
      async (request) => ({ credentials: await listAccountTokens(ctx, deviceOf(request)) }),
    );

    app.post(
      '/v1/accounts/me/devices/:deviceId/remove',
      {
        config: { auth: 'device', idempotent: 'one-commit' },
        schema: deviceRoute(
          {
            operationId: 'removeAccountDevice',
            summary:
              'Removes a device from the account: its tokens are deleted here and, by signed requests, in every other region',
            tags,
            params: DeviceParams,
            body: EmptyBody,
            response: { 200: api.RemoveDeviceResponse },
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
            removeDevice(ctx, deviceOf(request), request.params.deviceId, inCommit),
          ),
        ),
    );
    done();
  };
}
