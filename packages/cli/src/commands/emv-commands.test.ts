import { describe, expect, it } from 'vitest';
import { memoryIo } from '../io/index.js';
import { createProgram } from '../program.js';

// Visa CVN 18 vector from knovichikhin/pyemv tests/test_cvn_hsm.py test_visa_cvn18.
const KEY_FLAGS = [
  '--cvn',
  '18',
  '--imk',
  '0123456789ABCDEFFEDCBA9876543210',
  '--pan',
  '1234567890123456',
  '--psn',
  '00',
  '--atc',
  '001C',
];
const DATA =
  '9F02=000000004000,9F03=000000000000,9F1A=0124,95=8000048000,5F2A=0124,9A=191105,9C=01,9F37=52BF4585,82=1800,9F10=06011203A0B800';

async function run(args: readonly string[]): Promise<string> {
  const { io, stdout } = memoryIo();
  await createProgram(io).parseAsync(args, { from: 'user' });
  return stdout()
    .map((line) => `${line}\n`)
    .join('');
}

describe('domicile emv', () => {
  it('prints the ARQC of a published vector', async () => {
    expect(await run(['emv', 'arqc', ...KEY_FLAGS, '--data', DATA])).toBe('7A788EA6B8A3E733\n');
  });

  it('accepts lower-case hex, any tag order and a matching 9F36', async () => {
    const data = `${DATA.split(',').reverse().join(',').toLowerCase()},9f36=001c`;
    expect(await run(['emv', 'arqc', ...KEY_FLAGS, '--data', data])).toBe('7A788EA6B8A3E733\n');
  });

  it('prints the ARPC of a published vector', async () => {
    expect(
      await run(['emv', 'arpc', ...KEY_FLAGS, '--arqc', '7A788EA6B8A3E733', '--csu', '00000000']),
    ).toBe('9AF514C1\n');
  });

  it('rejects invalid input with VALIDATION_FAILED naming the field', async () => {
    const cases: [readonly string[], string][] = [
      [['emv', 'arqc', ...KEY_FLAGS, '--data', DATA.replace('9C=01', '9C=0102')], '9C'],
      [['emv', 'arqc', ...KEY_FLAGS, '--data', DATA.replace(',9F37=52BF4585', '')], '9F37'],
      [['emv', 'arqc', ...KEY_FLAGS, '--data', 'nonsense'], 'data'],
      [['emv', 'arqc', ...KEY_FLAGS, '--data', `${DATA},9F02=000000004000`], '9F02'],
      [['emv', 'arqc', ...KEY_FLAGS, '--cvn', '10', '--data', DATA], 'cvn'],
      [['emv', 'arqc', ...KEY_FLAGS, '--imk', '0123', '--data', DATA], 'imk'],
      [['emv', 'arqc', ...KEY_FLAGS, '--atc', 'XYZ1', '--data', DATA], 'atc'],
      [['emv', 'arqc', ...KEY_FLAGS, '--pan', '4111-1111', '--data', DATA], 'pan'],
      [['emv', 'arpc', ...KEY_FLAGS, '--arqc', '7A788EA6', '--csu', '00000000'], 'arqc'],
    ];
    for (const [args, field] of cases) {
      await expect(run(args)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { field },
      });
    }
  });
});
