import type { TLSSocket } from 'node:tls';
import type { onRequestHookHandler } from 'fastify';
import { DomicileError } from '@domicile/protocol';

/** The servers that call a region, each on its own routes: never a device. */
export type ServerPeer = 'region' | 'network' | 'issuer';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a server-to-server route: under mutual TLS it demands a trusted client certificate. */
    peer?: ServerPeer;
  }
}

/**
 * onRequest hook of a region with mutual TLS: a route marked with a `peer` answers only a
 * connection whose client certificate chains to the configured client CA. The TLS layer asks
 * every caller for a certificate but refuses none (`requestCert`, not `rejectUnauthorized`), so
 * devices, which have no certificate, still reach their routes; the refusal is here, per route,
 * as a typed error the caller can read.
 */
export const requireClientCertificate: onRequestHookHandler = (request, _reply, done) => {
  // Over plain HTTP (or inject()) the socket is no TLSSocket: no certificate, so refused.
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (request.routeOptions.config.peer === undefined) {
    done();
    return;
  }
  const presented =
    typeof socket.getPeerCertificate === 'function' &&
    Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
  // `authorized` alone is not enough: on Node 22 a resumed TLS 1.3 session without a certificate
  // was seen to report `authorized: true`. A trusted caller has both.
  if (presented && socket.authorized === true) {
    done();
    return;
  }
  done(
    new DomicileError('CLIENT_CERTIFICATE_REQUIRED', {
      details: { reason: presented ? 'untrusted' : 'missing' },
    }),
  );
};
