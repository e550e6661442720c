import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ProvisioningPayload } from './provisioning.js';

const payload = {
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
  deviceJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
  issuedAt: 1_900_000_000,
};

describe('ProvisioningPayload', () => {
  it('binds the data to a device key by its RFC 7638 thumbprint: 43 base64url characters', () => {
    expect(Value.Check(ProvisioningPayload, payload)).toBe(true);
    for (const deviceJkt of [
      '',
      'B'.repeat(42),
      'B'.repeat(44),
      `${'B'.repeat(42)}=`,
      `${'B'.repeat(42)}+`,
    ])
      expect(Value.Check(ProvisioningPayload, { ...payload, deviceJkt })).toBe(false);
  });
});
