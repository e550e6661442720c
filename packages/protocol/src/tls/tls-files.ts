import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { DomicileError } from '../errors/index.js';
import { definedProps } from '../util/index.js';

/**
 * Where a server or client finds its TLS material, all PEM files (never inline PEM: a key belongs
 * in a file only its owner can read, not in a config text or on a command line).
 */
export interface TlsFiles {
  /** This process's certificate chain: served to callers, and presented to peers as a client. */
  readonly certFile?: string;
  /** Its private key; refused when every local user may read it. */
  readonly keyFile?: string;
  /** Certificate authorities trusted for the servers this process calls (default: the system's). */
  readonly caFile?: string;
  /**
   * Authorities whose client certificates the server-to-server routes demand (mutual TLS); without
   * one, those routes rely on their signed bodies alone.
   */
  readonly clientCaFile?: string;
}

/** {@link TlsFiles}, read and checked. */
export interface TlsMaterial {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly clientCa?: string;
}

function invalid(field: keyof TlsFiles, reason: string, cause?: unknown): DomicileError {
  return new DomicileError('CONFIG_INVALID', {
    details: { field: `tls.${field}`, reason },
    ...definedProps({ cause }),
  });
}

function readPem(files: TlsFiles, field: keyof TlsFiles, marker: RegExp): string | undefined {
  const path = files[field];
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw invalid(field, `cannot read ${path}`, cause);
  }
  if (!marker.test(text)) throw invalid(field, `${path} holds no PEM of the expected kind`);
  return text;
}

/**
 * A private key any local user can read is as good as published: refuse it at start rather than
 * warn into a log nobody reads. Group-readable stays allowed (a `ssl-cert` group is common).
 * POSIX modes only: Windows reports no such bits.
 */
function checkKeyPermissions(path: string): void {
  if (process.platform === 'win32') return;
  if ((statSync(path).mode & 0o004) !== 0)
    throw invalid('keyFile', `${path} is readable by every user: chmod o-rwx (e.g. 600)`);
}

/**
 * Reads and checks the TLS files: each PEM of the right kind, certificate and key given together
 * and matching, the key file not world-readable, a client CA only with a server certificate.
 * @throws DomicileError `CONFIG_INVALID` naming the field (`details.field`) and what is wrong.
 */
export function loadTlsFiles(files: TlsFiles): TlsMaterial {
  if ((files.certFile === undefined) !== (files.keyFile === undefined))
    throw invalid(files.certFile === undefined ? 'certFile' : 'keyFile', 'give both or neither');
  if (files.clientCaFile !== undefined && files.certFile === undefined)
    throw invalid('clientCaFile', 'mutual TLS needs a server certificate (certFile, keyFile)');
  const certificate = /-----BEGIN CERTIFICATE-----/;
  const cert = readPem(files, 'certFile', certificate);
  const key = readPem(files, 'keyFile', /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  if (cert !== undefined && key !== undefined) {
    checkKeyPermissions(files.keyFile ?? '');
    let matches: boolean;
    try {
      matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
    } catch (cause) {
      throw invalid('certFile', 'the certificate or key does not parse', cause);
    }
    if (!matches) throw invalid('keyFile', 'the key does not belong to the certificate');
  }
  return definedProps({
    cert,
    key,
    ca: readPem(files, 'caFile', certificate),
    clientCa: readPem(files, 'clientCaFile', certificate),
  });
}
