import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { api } from '@domicile/protocol';
import { listNotifications } from '../../notifications/index.js';
import type { RegionContext } from '../../region-context.js';
import { deviceOf } from '../device-auth.js';
import { deviceRoute } from '../route-schemas.js';
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
          summary: 'Push notifications as Server-Sent Events; resumes after Last-Event-ID',
          tags,
          querystring: Type.Object(
            { after: Type.Optional(Cursor) },
            { additionalProperties: false },
          ),
          response: { 200: Type.String({ description: 'text/event-stream' }) },
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
