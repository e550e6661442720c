import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { api } from '@domicile/protocol';
import { listNotifications } from '../../notifications/index.js';
import type { RegionContext } from '../../region-context.js';
import { deviceOf } from '../device-auth.js';
import { deviceRoute, mediaResponse } from '../route-schemas.js';
import { streamNotifications } from '../sse-stream.js';

const tags = ['notifications'];
const Cursor = Type.String({ pattern: '^\\d{1,15}$' });

export function notificationRoutes(ctx: RegionContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/v1/notifications',
      {
        config: { auth: 'device-or-lost' },
        schema: deviceRoute({
          operationId: 'listNotifications',
          summary: 'Push notifications after an id, oldest first',
          tags,
          querystring: Type.Object(
            {
              after: Type.Optional(Cursor),
              limit: Type.Optional(Type.String({ pattern: '^([1-9]\\d?|100)$' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: api.NotificationListResponse },
        }),
      },
      async (request) => ({
        notifications: await listNotifications(
          ctx.db,
          deviceOf(request).device.id,
          Number(request.query.after ?? 0),
          Number(request.query.limit ?? 100),
        ),
      }),
    );

    app.get(
      '/v1/notifications/stream',
      {
        config: { auth: 'device-or-lost' },
        schema: deviceRoute({
          operationId: 'streamNotifications',
          summary: 'Push notifications as Server-Sent Events; resumes after Last-Event-ID',
          tags,
          querystring: Type.Object(
            { after: Type.Optional(Cursor) },
            { additionalProperties: false },
          ),
          response: {
            200: mediaResponse(
              'text/event-stream',
              'Server-Sent Events: each push notification as an event named by its type, its id the event id and its JSON the data; comments as heartbeats',
            ),
          },
        }),
      },
      (request, reply) => {
        const header = request.headers[api.HEADERS.lastEventId];
        const fromHeader =
          typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
        streamNotifications(
          ctx,
          reply,
          deviceOf(request).device.id,
          fromHeader ?? Number(request.query.after ?? 0),
        );
      },
    );
    done();
  };
}
