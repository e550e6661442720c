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

/**
 * A region key as the directory lists it: the public JWK, its `kid` (how JOSE headers name it)
 * and its validity in seconds since the epoch (see `key-validity.ts`).
 */
export const DirectoryKeySchema = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    y: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    kid: Type.String({ minLength: 1, maxLength: 128 }),
    alg: Type.Optional(Type.String({ maxLength: 32 })),
    use: Type.Optional(Type.Union([Type.Literal('sig'), Type.Literal('enc')])),
    notBefore: Type.Integer({ minimum: 0 }),
    notAfter: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const KeyListSchema = Type.Array(DirectoryKeySchema, { minItems: 1, maxItems: 16 });

export const RegionIdSchema = Type.String({ pattern: '^[a-z][a-z0-9-]{1,15}$' });

export const RegionEntrySchema = Type.Object(
  {
    id: RegionIdSchema,
    name: Type.String({ minLength: 1, maxLength: 80 }),
    baseUrl: Type.String({ pattern: '^https?://[^/?#]+$' }),
    routing: Type.Array(PrefixRangeSchema, { minItems: 1 }),
    tokenRanges: Type.Array(PrefixRangeSchema, { minItems: 1 }),
    /** Every key a region may use per purpose, the old ones until their `notAfter`. */
    keys: Type.Object(
      { signing: KeyListSchema, encryption: KeyListSchema, tsm: KeyListSchema },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** A region as `domicile-directory/1` listed it: one key per purpose, no validity. */
export const RegionEntryV1Schema = Type.Object(
  {
    ...RegionEntrySchema.properties,
    keys: Type.Object(
      { signing: PublicJwkSchema, encryption: PublicJwkSchema, tsm: PublicJwkSchema },
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
    format: Type.Literal('domicile-directory/2'),
    /** Grows with every change; a holder never accepts a lower one (no rollback). */
    serial: Type.Integer({ minimum: 1 }),
    issuedAt: Type.Integer({ minimum: 0 }),
    /**
     * The authority key holders should pin from now on. When it differs from the key they pin,
     * the document is signed by both, and they move their pin to it (authority rotation).
     */
    authority: Type.Optional(
      Type.Object(
        {
          key: Type.Object(
            { ...PublicJwkSchema.properties, kid: Type.String({ minLength: 1, maxLength: 128 }) },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    regions: Type.Array(RegionEntrySchema, { minItems: 1 }),
    networks: Type.Optional(Type.Array(NetworkEntrySchema)),
  },
  { additionalProperties: false },
);

/** The first directory format, still read: it upgrades to one key per purpose, valid from 0. */
export const DirectoryDocumentV1Schema = Type.Object(
  {
    format: Type.Literal('domicile-directory/1'),
    serial: Type.Integer({ minimum: 1 }),
    issuedAt: Type.Integer({ minimum: 0 }),
    regions: Type.Array(RegionEntryV1Schema, { minItems: 1 }),
    networks: Type.Optional(Type.Array(NetworkEntrySchema)),
  },
  { additionalProperties: false },
);

export type RegionEntry = Static<typeof RegionEntrySchema>;
export type NetworkEntry = Static<typeof NetworkEntrySchema>;
export type DirectoryDocument = Static<typeof DirectoryDocumentSchema>;
export type DirectoryDocumentV1 = Static<typeof DirectoryDocumentV1Schema>;
export type DirectoryKey = Static<typeof DirectoryKeySchema>;
