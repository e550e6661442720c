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
 * The error answers every route documents in OpenAPI: a DomicileError body. Typed as responses
 * only: a declaration file cannot name the TypeBox symbols of the schema's inferred type.
 */
export const errorResponses: Record<'4xx' | '5xx', MediaResponse> = {
  '4xx': {
    description:
      'A DomicileError: see docs/errors.md. A 429 (RATE_LIMITED) comes with `Retry-After`.',
    content: { 'application/json': { schema: api.ErrorBodySchema } },
  },
  '5xx': {
    description: 'A DomicileError: see docs/errors.md.',
    content: { 'application/json': { schema: api.ErrorBodySchema } },
  },
};

/**
 * Who may call a route, as OpenAPI security requirements: the schemes are declared in
 * `openapi-document.ts`. Public routes (the directory) need none, and say so.
 */
export const SECURITY = {
  public: [],
  device: [{ DPoP: [] }],
  operator: [{ Operator: [] }],
  issuer: [{ IssuerJws: [] }],
  network: [{ NetworkJws: [] }],
  region: [{ RegionJws: [] }],
} satisfies Record<string, Record<string, string[]>[]>;

/** A response that is not JSON: its media type, and what its bytes are. */
export interface MediaResponse {
  readonly description: string;
  readonly content: Record<string, { schema: TSchema }>;
}

export function mediaResponse(mediaType: string, description: string): MediaResponse {
  return { description, content: { [mediaType]: { schema: Type.String({ description }) } } };
}

/** Route schema for a device request; `mutating` adds the Idempotency-Key header. */
export function deviceRoute<T extends Record<string, unknown>>(
  spec: T & {
    operationId: string;
    summary: string;
    tags: string[];
    response: Record<number, TSchema | MediaResponse>;
  },
  mutating = false,
): T & {
  headers: TSchema;
  security: Record<string, string[]>[];
  response: Record<string, TSchema | MediaResponse>;
} {
  return {
    ...spec,
    headers: mutating ? MutatingHeaders : DeviceHeaders,
    security: SECURITY.device,
    response: { ...spec.response, ...errorResponses },
  };
}
