import { Type } from '@sinclair/typebox';
import { definedProps, type TlsFiles } from '@domicile/protocol';
import type { SettingSpec } from '../settings/index.js';
import { PATH } from './deployment-settings.js';

/**
 * The TLS files of a server (region or network router): paths only, read when it starts, so
 * that no key is ever in a config text, on argv or in the environment.
 */
export const TLS_PROPERTIES = {
  tlsCertFile: Type.Optional(Type.String(PATH)),
  tlsKeyFile: Type.Optional(Type.String(PATH)),
  tlsCaFile: Type.Optional(Type.String(PATH)),
};

export const TLS_SPECS: { readonly [K in keyof typeof TLS_PROPERTIES]: SettingSpec } = {
  tlsCertFile: {
    flag: '--tls-cert-file',
    placeholder: '<file>',
    help: 'PEM certificate chain: serve HTTPS, and present it as client to peers that ask',
    expects: 'a file path',
  },
  tlsKeyFile: {
    flag: '--tls-key-file',
    placeholder: '<file>',
    help: 'PEM private key of the certificate (not readable by other users)',
    expects: 'a file path',
  },
  tlsCaFile: {
    flag: '--tls-ca-file',
    placeholder: '<file>',
    help: 'PEM authorities trusted for the servers this one calls (default: the system ones)',
    expects: 'a file path',
  },
};

/** Mutual TLS on a region's server-to-server routes. */
export const TLS_CLIENT_CA_PROPERTY = { tlsClientCaFile: Type.Optional(Type.String(PATH)) };

export const TLS_CLIENT_CA_SPEC: {
  readonly [K in keyof typeof TLS_CLIENT_CA_PROPERTY]: SettingSpec;
} = {
  tlsClientCaFile: {
    flag: '--tls-client-ca-file',
    placeholder: '<file>',
    help: 'PEM authorities whose client certificates the region, network and issuer APIs demand (mutual TLS)',
    expects: 'a file path',
  },
};

/** The TLS files the settings name, or none when they name none. */
export function tlsFilesOf(s: {
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly tlsCaFile?: string;
  readonly tlsClientCaFile?: string;
}): TlsFiles | undefined {
  const files = definedProps({
    certFile: s.tlsCertFile,
    keyFile: s.tlsKeyFile,
    caFile: s.tlsCaFile,
    clientCaFile: s.tlsClientCaFile,
  });
  return Object.keys(files).length === 0 ? undefined : files;
}
