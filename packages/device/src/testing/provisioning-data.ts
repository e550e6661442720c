import {
  TYP,
  encryptJson,
  signJson,
  type PrivateJwk,
  type PublicJwk,
  type api,
} from '@domicile/protocol';

/** Provisioning data as a region makes it: a JWS by its signing key, inside a JWE to the device. */
export async function makeProvisioningData(
  payload: api.ProvisioningPayload,
  regionSigningKey: PrivateJwk,
  deviceEncryptionKey: PublicJwk,
): Promise<string> {
  const jws = await signJson(payload, regionSigningKey, TYP.provisioningPayload);
  return encryptJson(jws, deviceEncryptionKey, TYP.provisioningData);
}

/** A payload with plausible values; override what the test is about. */
export function samplePayload(
  overrides: Partial<api.ProvisioningPayload> & { deviceJkt: string },
): api.ProvisioningPayload {
  return {
    region: 'cn',
    sessionId: 'ses_0123456789',
    tokenRef: 'tok_0123456789',
    tokenNumber: '4892001234567891',
    tokenExpiry: { month: 12, year: 2030 },
    panSequenceNumber: '01',
    iccMasterKey: '0123456789ABCDEF0123456789ABCDEF',
    atcStart: 0,
    network: 'unionpay',
    last4: '0005',
    issuedAt: 1_900_000_000,
    ...overrides,
  };
}
