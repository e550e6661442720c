import pino, { type Logger } from 'pino';
import { isLuhnValid } from '@domicile/protocol';

/** Fields that may hold card data, proofs or codes: removed from every log line by path. */
export const REDACT_PATHS = [
  'req.headers.dpop', 'req.headers.authorization', 'req.headers["idempotency-key"]',
  'pan', '*.pan', 'cvv', '*.cvv', 'code', 'cardDetails', '*.cardDetails', 'body', '*.body',
  'tokenNumber', '*.tokenNumber', 'iccMasterKey', '*.iccMasterKey',
];

const DIGIT_RUN = /(?<![\d.])\d{13,19}(?!\d)/g;

/**
 * The last line of defence (DESIGN: Residency — no region logs a card number): any Luhn-valid
 * run of 13–19 digits that slipped past the paths is masked to its last four before the line
 * is written.
 */
export function scrubCardNumbers(line: string): string {
  return line.replace(DIGIT_RUN, (run) => (isLuhnValid(run) ? `${'*'.repeat(run.length - 4)}${run.slice(-4)}` : run));
}

export interface RegionLoggerOptions {
  readonly region: string;
  readonly level?: string;
  /** A file to append JSON lines to; stdout when absent. */
  readonly file?: string;
}

export interface RegionLogger {
  readonly logger: Logger;
  /** Writes out anything buffered; call before exit. */
  readonly flush: () => void;
}

export function createRegionLogger(options: RegionLoggerOptions): RegionLogger {
  const destination = pino.destination({ dest: options.file ?? 1, sync: false, mkdir: true });
  const logger = pino({
    level: options.level ?? 'info',
    base: { region: options.region },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: scrubCardNumbers },
  }, destination);
  return { logger, flush: () => destination.flushSync() };
}
