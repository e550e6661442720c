import { Type, type TSchema } from '@sinclair/typebox';
import { api } from '@domicile/protocol';

export const SessionParams = Type.Object(
  { sessionId: api.IdSchema },
  { additionalProperties: false },
);
export const TokenRefParams = Type.Object(
  { tokenRef: api.IdSchema },
  { additionalProperties: false },
);
export const AssetParams = Type.Object({ assetId: api.IdSchema }, { additionalProperties: false });
export const EmptyBody = Type.Object({}, { additionalProperties: false });

const DeviceHeaders = Type.Object({
  dpop: Type.Optional(
    Type.String({ description: 'DPoP proof (RFC 9449) by the device signing key.' }),
  ),
});
const MutatingHeaders = Type.Object({
  dpop: Type.Optional(
    Type.String({ description: 'DPoP proof (RFC 9449) by the device signing key.' }),
  ),
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Retries with the same key return the first answer.' }),
  ),
});

/**
 * The error answers every route documents in OpenAPI: a DomicileError body. Typed as schemas only:
 * a declaration file cannot name the spread object's TypeBox symbols.
 */
export const errorResponses: Record<'4xx' | '5xx', TSchema> = {
  '4xx': { description: 'A DomicileError: see docs/errors.md.', ...api.ErrorBodySchema },
  '5xx': { description: 'A DomicileError: see docs/errors.md.', ...api.ErrorBodySchema },
};

/** Route schema for a device request; `mutating` adds the Idempotency-Key header. */
export function deviceRoute<T extends Record<string, unknown>>(
  spec: T & { summary: string; tags: string[]; response: Record<number, TSchema> },
  mutating = false,
): T & {
  headers: TSchema;
  security: Record<string, string[]>[];
  response: Record<string, TSchema>;
} {
  return {
    ...spec,
    headers: mutating ? MutatingHeaders : DeviceHeaders,
    security: [{ DPoP: [] }],
    response: { ...spec.response, ...errorResponses },
  };
}
