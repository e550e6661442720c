import { Type } from '@sinclair/typebox';
import type { SettingSpec } from '../settings/index.js';

export const PATH = { minLength: 1, maxLength: 4096 };

/**
 * What every server of a deployment is told: its deployment folder, where to listen, and how
 * long it may take to drain on SIGTERM or SIGINT before it gives up and exits 1.
 */
export const DEPLOYMENT_PROPERTIES = {
  dir: Type.String(PATH),
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^\\S+$' })),
  port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  drainTimeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 10_000 }),
};

export const DEPLOYMENT_SPECS: { readonly [K in keyof typeof DEPLOYMENT_PROPERTIES]: SettingSpec } =
  {
    dir: {
      flag: '--dir',
      placeholder: '<dir>',
      help: 'deployment folder (directory.jws, keys/)',
      expects: 'a folder path',
    },
    host: {
      flag: '--host',
      placeholder: '<host>',
      help: 'listen address (default: the host of the directory base URL)',
      expects: 'a host name or address',
    },
    port: {
      flag: '--port',
      placeholder: '<port>',
      help: 'listen port (default: the port of the directory base URL)',
      expects: 'an integer from 0 to 65535',
    },
    drainTimeoutMs: {
      flag: '--drain-timeout-ms',
      placeholder: '<ms>',
      help: 'on SIGTERM/SIGINT, how long in-flight requests and workers may take to finish (default 10000)',
      expects: 'an integer from 1 to 600000',
    },
  };
