import { DomicileError } from './domicile-error.js';

/**
 * Names why a server could not listen on `host`:`port`: `PORT_IN_USE` when another process has
 * the address, else `LISTEN_FAILED` with the system's error code (`EACCES`, `EADDRNOTAVAIL`).
 * Anything that is not a system error from listening is returned as it was.
 */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return error;
  return code === 'EADDRINUSE'
    ? new DomicileError('PORT_IN_USE', { details: { host, port }, cause: error })
    : new DomicileError('LISTEN_FAILED', {
        details: { host, port, driverError: code },
        cause: error,
      });
}
