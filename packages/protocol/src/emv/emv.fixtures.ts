import { isDomicileError, type ErrorDetails } from '../errors/index.js';

/** Test helpers for the EMV tests. */
export const hex = (text: string): Buffer => Buffer.from(text, 'hex');

export const upper = (bytes: Uint8Array): string =>
  Buffer.from(bytes).toString('hex').toUpperCase();

/** The EMV test issuer master key used by the published vectors (KCV 08D7). */
export const TEST_IMK = hex('0123456789ABCDEFFEDCBA9876543210');

/** Runs `fn` and returns the details of the VALIDATION_FAILED error it throws, or fails. */
export function validationDetails(fn: () => unknown): ErrorDetails | undefined {
  try {
    fn();
  } catch (error) {
    if (isDomicileError(error, 'VALIDATION_FAILED')) return error.details;
    throw error;
  }
  throw new Error('expected VALIDATION_FAILED, nothing was thrown');
}
