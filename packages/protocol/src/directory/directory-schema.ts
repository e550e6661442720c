import { Type, type Static } from '@sinclair/typebox';

export const PublicJwkSchema = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    y: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    kid: Type.Optional(Type.String({ maxLength: 128 })),
    alg: Type.Optional(Type.String({ maxLength: 32 })),
    use: Type.Optional(Type.Union([Type.Literal('sig'), Type.Literal('enc')])),
  },
  { additionalProperties: false },
);

export const PrefixRangeSchema = Type.Object(
  {
    from: Type.String({ pattern: '^\\d{6,8}$' }),
    to: Type.String({ pattern: '^\\d{6,8}$' }),
  },
  { additionalProperties: false },
);

export const RegionIdSchema = Type.String({ pattern: '^[a-z][a-z0-9-]{1,15}$' });

export const RegionEntrySchema = Type.Object(
  {
    id: RegionIdSchema,
    name: Type.String({ minLength: 1, maxLength: 80 }),
    baseUrl: Type.String({ pattern: '^https?://[^/?#]+$' }),
    routing: Type.Array(PrefixRangeSchema, { minItems: 1 }),
    tokenRanges: Type.Array(PrefixRangeSchema, { minItems: 1 }),
    keys: Type.Object(
      {
        signing: PublicJwkSchema,
        encryption: PublicJwkSchema,
        tsm: PublicJwkSchema,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const NetworkIdSchema = Type.String({ pattern: '^[a-z][a-z0-9-]{1,31}$' });

/** A card network whose router may send authorizations to regions, signed by its key. */
export const NetworkEntrySchema = Type.Object(
  {
    id: NetworkIdSchema,
    name: Type.String({ minLength: 1, maxLength: 80 }),
    baseUrl: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+$' })),
    keys: Type.Object({ signing: PublicJwkSchema }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const DirectoryDocumentSchema = Type.Object(
  {
    format: Type.Literal('domicile-directory/1'),
    serial: Type.Integer({ minimum: 1 }),
    issuedAt: Type.Integer({ minimum: 0 }),
    regions: Type.Array(RegionEntrySchema, { minItems: 1 }),
    networks: Type.Optional(Type.Array(NetworkEntrySchema)),
  },
  { additionalProperties: false },
);

export type RegionEntry = Static<typeof RegionEntrySchema>;
export type NetworkEntry = Static<typeof NetworkEntrySchema>;
export type DirectoryDocument = Static<typeof DirectoryDocumentSchema>;
