/**
 * The only algorithms Domicile speaks. Fixed lists, never taken from a token's own header, so an
 * attacker cannot downgrade a check by choosing `alg`.
 */
export const SIGNING_ALG = 'ES256';
export const KEY_AGREEMENT_ALG = 'ECDH-ES+A256KW';
export const CONTENT_ENCRYPTION = 'A256GCM';

/** `typ` header values: each signed or encrypted object says what it is, so one cannot pass as another. */
export const TYP = {
  directory: 'domicile-directory+jws',
  redirectAssertion: 'domicile-redirect+jwt',
  cardDetails: 'domicile-card-details+jwe',
  provisioningData: 'domicile-provisioning-data+jwe',
  provisioningPayload: 'domicile-provisioning-data+jws',
  personalizationScript: 'domicile-personalization-script+jws',
  dpop: 'dpop+jwt',
  /** The new card behind a token, from its issuer (`POST /v1/issuer/credentials/{tokenRef}/reissue`). */
  reissuedCard: 'domicile-reissued-card+jwe',
} as const;
