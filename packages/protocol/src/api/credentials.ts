import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '../directory/index.js';
import { CredentialView } from './provisioning.js';
import { IdSchema, Sha256Schema } from './common.js';

/** `GET /v1/credentials` — the calling device's credentials in this region. */
export const CredentialListResponse = Type.Object({ credentials: Type.Array(CredentialView) });

/** `GET /v1/credentials/{tokenRef}/script` — the personalization script, a JWS by the region's TSM key. */
export const ScriptResponse = Type.Object({
  scriptId: IdSchema,
  script: Type.String({ contentMediaType: 'application/jose' }),
});

/** The TSM-signed personalization script (`typ` domicile-personalization-script+jws). */
export const PersonalizationScript = Type.Object({
  scriptId: IdSchema,
  tokenRef: IdSchema,
  region: RegionIdSchema,
  issuedAt: Type.Integer(),
  artwork: Type.Object({ assetId: IdSchema, sha256: Sha256Schema }),
  issuer: Type.Object({
    name: Type.String(),
    phone: Type.String(),
    email: Type.String(),
    website: Type.String(),
  }),
  termsUrl: Type.String(),
  /** Applet commands in order; the software secure element applies them. */
  commands: Type.Array(
    Type.Object(
      {
        op: Type.Union([
          Type.Literal('SET_ARTWORK'),
          Type.Literal('SET_ISSUER_CONTACT'),
          Type.Literal('SET_TERMS'),
          Type.Literal('ACTIVATE'),
        ]),
      },
      { additionalProperties: true },
    ),
  ),
});

/** `POST /v1/credentials/{tokenRef}/activate` — the device reports the script stored. */
export const ActivateRequest = Type.Object(
  {
    scriptId: IdSchema,
    /** SHA-256 of the script JWS as received, base64url. */
    scriptHash: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  },
  { additionalProperties: false },
);

export const CredentialResponse = Type.Object({ credential: CredentialView });

export type CredentialListResponse = Static<typeof CredentialListResponse>;
export type ScriptResponse = Static<typeof ScriptResponse>;
export type PersonalizationScript = Static<typeof PersonalizationScript>;
export type ActivateRequest = Static<typeof ActivateRequest>;
export type CredentialResponse = Static<typeof CredentialResponse>;
