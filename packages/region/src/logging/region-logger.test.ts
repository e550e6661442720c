import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { DomicileError } from '@domicile/protocol';
import {
  REDACT_PATHS,
  createRegionLogger,
  redactChildBindings,
  redactLogFields,
  scrubCardNumbers,
  serializeError,
} from './region-logger.js';

const PAN = '4111111111111111';

describe('region logger', () => {
  it('masks Luhn-valid digit runs and leaves other numbers alone', () => {
    expect(scrubCardNumbers(`{"msg":"card ${PAN}","n":1234567890123}`)).toBe(
      '{"msg":"card ************1111","n":1234567890123}',
    );
    // Line after line, every run is found: no state is kept from one line to the next.
    for (let i = 0; i < 3; i++)
      expect(scrubCardNumbers(`{"a":"${PAN}","b":"x${PAN}"}`)).toBe(
        '{"a":"************1111","b":"x************1111"}',
      );
    expect(scrubCardNumbers('{"responseTime":1.2345678901234567}')).toBe(
      '{"responseTime":1.2345678901234567}',
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
    const line = await vi.waitFor(
      async () => {
        const text = await readFile(file, 'utf8').catch(() => '');
        if (!text.includes('request failed')) throw new Error('not written yet');
        return text;
      },
      { timeout: 30_000 },
    );
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

  it("redacts exactly what pino's redact option does with REDACT_PATHS, fields and bindings", () => {
    const written = (options: pino.LoggerOptions, ours = false): string[] => {
      const lines: string[] = [];
      const logger = pino(
        { ...options, base: null, timestamp: false },
        { write: (line: string) => lines.push(line) },
      );
      const fields: Record<string, unknown>[] = [
        { req: { method: 'POST', url: '/v1/x' }, res: { statusCode: 200 }, responseTime: 1.5 },
        { pan: PAN, cvv: '123', otp: null, tokenNumber: 5, iccMasterKey: { k: 1 }, keep: 'x' },
        { card: { pan: PAN, expiry: '12/30' }, session: { cardDetails: 'jwe', id: 's' } },
        { req: { headers: { dpop: 'p', authorization: 'b', 'idempotency-key': 'k', host: 'h' } } },
        { req: { body: { pan: PAN }, headers: ['dpop'] }, list: [{ pan: PAN }], body: undefined },
        { nested: { deeper: { pan: PAN } }, inherited: Object.create({ otp: '1' }) as object },
        { error: Object.assign(new Error('e'), { body: 'b' }), code: 'X', n: 3 },
      ];
      for (const f of fields) logger.info(f, 'line');
      if (ours) redactChildBindings(logger);
      logger
        .child({ body: 'b', card: { cvv: '1' }, reqId: 'r' })
        .child({ pan: PAN })
        .info('child');
      return lines;
    };
    const reference = written({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
    const ours = written({ formatters: { log: redactLogFields, bindings: redactLogFields } }, true);
    expect(ours).toEqual(reference);
    expect(reference.join('')).toContain('[redacted]');
  });

  it("copies a line's fields only when it redacts one", () => {
    const plain = { req: { method: 'GET', url: '/healthz' }, res: { statusCode: 200 } };
    expect(redactLogFields(plain)).toBe(plain);
    const secret = { card: { pan: PAN } };
    expect(redactLogFields(secret)).toEqual({ card: { pan: '[redacted]' } });
    expect(secret.card.pan).toBe(PAN);
  });
});
