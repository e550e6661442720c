import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasOddParity, keyCheckValue } from './des.js';
import { TEST_IMK, hex, upper, validationDetails } from './emv.fixtures.js';
import { commonSessionKey, commonSessionKeyFromR, iccMasterKey } from './key-derivation.js';

const IMK = TEST_IMK;

describe('iccMasterKey (EMV Book 2 A1.4.1, Option A)', () => {
  it('matches published vectors', () => {
    // knovichikhin/pyemv pyemv/kd.py, derive_icc_mk_a docstring example
    expect(upper(iccMasterKey({ imk: IMK, pan: '12345678901234567', psn: '01' }))).toBe(
      '73AD54688CEF2934B0979857E3C719F1',
    );
    // knovichikhin/pyemv pyemv/kd.py, module docstring example (later versions)
    expect(upper(iccMasterKey({ imk: IMK, pan: '99012345678901234', psn: '45' }))).toBe(
      '67F8292358083E5EA7AB7FDA58D53B6B',
    );
    // knovichikhin/pyemv tests/test_kd_hsm.py test_derive_icc_mk_a_psn: check digits FF08
    expect(
      upper(keyCheckValue(iccMasterKey({ imk: IMK, pan: '12345678901234567', psn: '45' }), 2)),
    ).toBe('FF08');
    // knovichikhin/pyemv tests/test_cvn_hsm.py test_visa_cvn18: icc_mk_ac check digits BAB0
    expect(
      upper(keyCheckValue(iccMasterKey({ imk: IMK, pan: '1234567890123456', psn: '00' }), 2)),
    ).toBe('BAB0');
  });

  it('uses PSN 00 when none is given', () => {
    expect(iccMasterKey({ imk: IMK, pan: '1234567890123456' })).toEqual(
      iccMasterKey({ imk: IMK, pan: '1234567890123456', psn: '00' }),
    );
  });

  it('pads PAN || PSN shorter than 16 digits with zeros on the left', () => {
    // 12 + 2 digits: Y = '00' || PAN || PSN; the same Y as a 16-digit PAN starting '00'.
    expect(iccMasterKey({ imk: IMK, pan: '123456789012', psn: '34' })).toEqual(
      iccMasterKey({ imk: IMK, pan: '00123456789012', psn: '34' }),
    );
  });

  it('always returns an odd-parity 16-byte key', () => {
    for (let i = 0; i < 50; i++) {
      const pan = String(4_000_000_000_000_000n + BigInt(i) * 7_919n);
      const mk = iccMasterKey({ imk: randomBytes(16), pan, psn: String(i % 100).padStart(2, '0') });
      expect(mk).toHaveLength(16);
      expect(hasOddParity(mk)).toBe(true);
    }
  });

  it('rejects bad inputs without echoing them', () => {
    for (const [input, field] of [
      [{ imk: IMK.subarray(0, 8), pan: '1234567890123456' }, 'imk'],
      [{ imk: IMK, pan: '12345678901234X6' }, 'pan'],
      [{ imk: IMK, pan: '1234567' }, 'pan'],
      [{ imk: IMK, pan: '1234567890123456', psn: '1' }, 'psn'],
    ] as const) {
      const details = validationDetails(() => iccMasterKey(input));
      expect(details?.['field']).toBe(field);
      expect(JSON.stringify(details)).not.toMatch(/0123|1234/);
    }
  });
});

describe('commonSessionKey (EMV Book 2 A1.3.1)', () => {
  it('matches published vectors', () => {
    // knovichikhin/pyemv pyemv/kd.py, derive_common_sk docstring: MK 0123..3210, R = 001C000000000000
    expect(upper(commonSessionKey({ mk: IMK, atc: 0x001c }))).toBe(
      'E9FB384AF807B940FEDCEA613461B0C4',
    );
    expect(upper(commonSessionKey({ mk: IMK, atc: hex('001C') }))).toBe(
      'E9FB384AF807B940FEDCEA613461B0C4',
    );
    // knovichikhin/pyemv tests/test_cvn_hsm.py test_visa_cvn18: session key check digits 22C8
    const mk = iccMasterKey({ imk: IMK, pan: '1234567890123456', psn: '00' });
    expect(upper(keyCheckValue(commonSessionKey({ mk, atc: 0x001c }), 2))).toBe('22C8');
    // knovichikhin/pyemv tests/test_kd_hsm.py test_derive_icc_mk_a_psn: R = 1234567890123456 → DF82
    const mk45 = iccMasterKey({ imk: IMK, pan: '12345678901234567', psn: '45' });
    expect(upper(keyCheckValue(commonSessionKeyFromR(mk45, hex('1234567890123456')), 2))).toBe(
      'DF82',
    );
    // futehkao/elements security/src/test/java/net/e6tech/elements/security/hsm/atalla/simulator/
    // VisaCVN18ARQCTest.java testAtallaSample: PAN 9990123456789012, PSN 45, R 1234567890123456 → A4EC
    const mkAtalla = iccMasterKey({ imk: IMK, pan: '9990123456789012', psn: '45' });
    expect(upper(keyCheckValue(commonSessionKeyFromR(mkAtalla, hex('1234567890123456')), 2))).toBe(
      'A4EC',
    );
  });

  it('derives a different odd-parity key for every ATC', () => {
    const mk = iccMasterKey({ imk: IMK, pan: '4111111111111111', psn: '01' });
    const seen = new Set<string>();
    for (const atc of [0, 1, 2, 0x00ff, 0x0100, 0x7fff, 0xffff]) {
      const sk = commonSessionKey({ mk, atc });
      expect(hasOddParity(sk)).toBe(true);
      seen.add(upper(sk));
    }
    expect(seen.size).toBe(7);
  });

  it('rejects an ATC outside two bytes', () => {
    for (const atc of [-1, 0x10000, 1.5, hex('01')]) {
      expect(validationDetails(() => commonSessionKey({ mk: IMK, atc }))).toBeDefined();
    }
  });
});
