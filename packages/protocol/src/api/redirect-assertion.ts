import { Type, type Static } from '@sinclair/typebox';
import { RegionIdSchema } from '../directory/index.js';
import { Last4Schema, RoutingPrefixSchema } from './common.js';

/** Longest life a redirect assertion may have (DESIGN: No blind redirects — short-lived). */
export const REDIRECT_ASSERTION_MAX_AGE_SECONDS = 300;

/**
 * Claims of the redirect assertion, a JWT signed by the home region (`typ` domicile-redirect+jwt).
 * It vouches for the user without naming them: `sub` is a pseudonym local to the pair
 * (home region, target region), and `cnf.jkt` (RFC 7800, RFC 9449 §6) binds it to the device key.
 */
export const RedirectAssertionClaims = Type.Object({
  iss: RegionIdSchema,
  aud: RegionIdSchema,
  sub: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  jti: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  iat: Type.Integer(),
  exp: Type.Integer(),
  cnf: Type.Object({ jkt: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }),
  /** The provisioning message the assertion was issued for: the target accepts no other. */
  msg: Type.Object({ routingPrefix: RoutingPrefixSchema, last4: Last4Schema }),
  standing: Type.Object({
    registeredSince: Type.Integer(),
    activeCredentials: Type.Integer({ minimum: 0 }),
    canTransact: Type.Boolean(),
  }),
});

export type RedirectAssertionClaims = Static<typeof RedirectAssertionClaims>;
