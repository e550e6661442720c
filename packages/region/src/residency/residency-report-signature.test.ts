import { beforeAll, describe, expect, it } from 'vitest';
import { verifyDirectory, type Directory } from '@domicile/protocol';
import { activePrivateJwk, fileRegionKeyring, type RegionKeySet } from '../keys/index.js';
import { createRegionFixture } from '../testing/region-fixture.js';
import { signResidencyReport, verifyResidencyReport } from './residency-report-signature.js';
import { sampleReport } from './residency.fixtures.js';

let directory: Directory;
let us: RegionKeySet;
let eu: RegionKeySet;

beforeAll(async () => {
  const fixture = await createRegionFixture();
  directory = await verifyDirectory(fixture.directoryJws, fixture.authorityKey);
  us = fixture.keys.get('us') as RegionKeySet;
  eu = fixture.keys.get('eu') as RegionKeySet;
});

async function signedText(keys: RegionKeySet = us): Promise<string> {
  const signed = await signResidencyReport(sampleReport(), fileRegionKeyring(keys).signing);
  return JSON.stringify(signed, null, 2);
}

async function codeOfVerify(text: string): Promise<unknown> {
  try {
    await verifyResidencyReport(text, directory);
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'verified';
}

describe('signed residency report', () => {
  it('verifies with the signing key the directory lists for the region, by kid', async () => {
    const verified = await verifyResidencyReport(await signedText(), directory);
    expect(verified).toEqual({
      report: sampleReport(),
      region: 'us',
      kid: activePrivateJwk(us, 'signing').kid,
    });
  });

  it('fails when the readable report was edited after signing', async () => {
    const text = (await signedText()).replace('"last4": "1111"', '"last4": "2222"');
    expect(text).toContain('2222');
    expect(await codeOfVerify(text)).toBe('RESIDENCY_REPORT_SIGNATURE_INVALID');
  });

  it('fails when the signature itself was changed', async () => {
    const signed = JSON.parse(await signedText()) as { jws: string };
    const [header, payload, signature = ''] = signed.jws.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const text = JSON.stringify({ ...signed, jws: `${header}.${payload}.${flipped}` });
    expect(await codeOfVerify(text)).toBe('RESIDENCY_REPORT_SIGNATURE_INVALID');
  });

  it('refuses a report signed with a key the directory does not list for its region', async () => {
    // Signed by eu's key while naming region us: the directory lists no such kid for us.
    expect(await codeOfVerify(await signedText(eu))).toBe('RESIDENCY_REPORT_KEY_UNKNOWN');
    const other = JSON.parse(await signedText()) as { report: object };
    const foreign = JSON.stringify({ ...other, report: { ...other.report, region: 'mars' } });
    expect(await codeOfVerify(foreign)).toBe('RESIDENCY_REPORT_KEY_UNKNOWN');
  });

  it('refuses what is not a signed report', async () => {
    const good = JSON.parse(await signedText()) as { report: object; jws: string };
    for (const text of [
      'not json',
      '[]',
      JSON.stringify({ report: good.report }),
      JSON.stringify({ jws: good.jws }),
      JSON.stringify({ ...good, jws: 'not.a.jws' }),
      '<!DOCTYPE html><html></html>',
    ])
      expect(await codeOfVerify(text), text.slice(0, 30)).toBe('RESIDENCY_REPORT_MALFORMED');
  });
});
