import { isDomicileError, type DomicileError } from '@domicile/protocol';

/** Runs `fn` and returns the DomicileError it threw (undefined if it threw none, or something else). */
export function thrown(fn: () => unknown): Pick<DomicileError, 'code' | 'details'> | undefined {
  try {
    fn();
  } catch (error) {
    return isDomicileError(error) ? { code: error.code, details: error.details } : undefined;
  }
  return undefined;
}
