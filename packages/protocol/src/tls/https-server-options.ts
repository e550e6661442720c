import type { TlsMaterial } from './tls-files.js';

/**
 * Fastify's `https` option for this material, or none (plain HTTP) without a certificate. With a
 * client CA, every caller is asked for a certificate but none is refused at the handshake
 * (`rejectUnauthorized: false`): the routes that demand one check it themselves, so that callers
 * without one (devices) still reach theirs. Typed loosely so that the app keeps fastify's plain
 * HTTP types: its request and reply API is the same over either.
 */
export function httpsServerOptions(tls: TlsMaterial | undefined): object {
  if (tls?.cert === undefined || tls.key === undefined) return {};
  const mutual =
    tls.clientCa === undefined
      ? {}
      : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false };
  return { https: { cert: tls.cert, key: tls.key, ...mutual } };
}
