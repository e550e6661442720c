import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DomicileError } from '@domicile/protocol';
import { createRegionLogger, scrubCardNumbers, serializeError } from './region-logger.js';

const PAN = '4111111111111111';

describe('region logger', () => {
  it('masks Luhn-valid digit runs and leaves other numbers alone', () => {
    expect(scrubCardNumbers(`{"msg":"card ${PAN}","n":1234567890123}`)).toBe(
      '{"msg":"card ************1111","n":1234567890123}',
    );
  });

  it('logs an error by type, code and frames, never by what its message or cause quote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'log-'));
    const file = join(dir, 'us.log');
    const { logger, flush } = createRegionLogger({ region: 'us', file });
    const driver = Object.assign(
      new Error(`duplicate key: Key (token_number)=(${PAN.slice(0, 15)}2)`),
      { code: '23505', detail: `Failing row contains (${PAN})` },
    );
    const err = new DomicileError('INTERNAL', { cause: driver });
    logger.error({ err, code: err.code, card: { pan: PAN } }, 'request failed');
    flush();
    const line = await vi.waitFor(async () => {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (!text.includes('request failed')) throw new Error('not written yet');
      return text;
    });
    const entry = JSON.parse(line) as {
      code: string;
      err: { type: string; message: string; cause: { code: string; message?: string } };
    };
    expect(entry.code).toBe('INTERNAL');
    expect(entry.err).toMatchObject({
      type: 'DomicileError',
      message: 'Internal error.',
      cause: { type: 'Error', code: '23505' },
    });
    expect(entry.err.cause.message).toBeUndefined();
    expect(line).not.toContain(PAN);
    expect(line).not.toContain('Failing row');
    expect(line).not.toContain('token_number');
  });

  it('describes a thrown non-error by its type only', () => {
    expect(serializeError('4111111111111111')).toEqual({ type: 'string' });
  });
});
