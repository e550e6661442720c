import { DomicileError } from '@domicile/protocol';
import { loadPg } from './load-pg.js';

/** SQLSTATE classes and codes that mean the server answered but refused who or what was asked. */
const REFUSED = /^(28|3D)/;

/**
 * Names why a first connection to PostgreSQL failed, with no secret in it: where it tried (host,
 * port, database, role: never the password or the URL), and the driver's error class or the
 * SQLSTATE the server answered. A refused role, password or database is `DATABASE_REJECTED`;
 * anything else (nothing listens, no such host, a server starting up) `DATABASE_UNREACHABLE`.
 */
export function postgresConnectionError(error: unknown, connectionString: string): DomicileError {
  const url = new URL(connectionString);
  const where = {
    host: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    database: decodeURIComponent(url.pathname.slice(1)),
  };
  if (error instanceof loadPg().DatabaseError && typeof error.code === 'string') {
    const sqlstate = { sqlstate: error.code, sqlstateClass: error.code.slice(0, 2) };
    return REFUSED.test(error.code)
      ? new DomicileError('DATABASE_REJECTED', {
          details: { ...where, user: decodeURIComponent(url.username), ...sqlstate },
          cause: error,
        })
      : new DomicileError('DATABASE_UNREACHABLE', {
          details: { ...where, ...sqlstate },
          cause: error,
        });
  }
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  const driverError =
    typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
  return new DomicileError('DATABASE_UNREACHABLE', {
    details: { ...where, driverError },
    cause: error,
  });
}
