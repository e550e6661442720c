import type { Agent, fetch as UndiciFetch } from 'undici';
import { definedProps } from '../util/index.js';
import type { TlsMaterial } from './tls-files.js';

/**
 * Whether calls to peers need anything but the system's defaults: a private CA to trust, or a
 * client certificate to present.
 */
export function needsTlsClient(material: TlsMaterial): boolean {
  return material.ca !== undefined || material.cert !== undefined;
}

/**
 * A `fetch` that trusts `material.ca` (instead of the system's authorities) and presents
 * `material.cert` as its client certificate to servers that ask (mutual TLS). The agent and the
 * fetch are undici's own, of one version: Node's global fetch is undici too, but of whatever
 * version the running Node bundles, and a dispatcher of another version is not guaranteed to fit it.
 */
export function tlsFetch(material: TlsMaterial): typeof fetch {
  // undici (about 50 modules) is loaded at the first call, not by every process that imports the
  // protocol: a region starts faster, and most never call a peer over a private CA.
  let client: Promise<{ undiciFetch: typeof UndiciFetch; dispatcher: Agent }> | undefined;
  const call = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    client ??= import('undici').then((undici) => ({
      undiciFetch: undici.fetch,
      dispatcher: new undici.Agent({
        connect: definedProps({ ca: material.ca, cert: material.cert, key: material.key }),
      }),
    }));
    const { undiciFetch, dispatcher } = await client;
    return undiciFetch(input as Parameters<typeof UndiciFetch>[0], {
      ...(init as Parameters<typeof UndiciFetch>[1]),
      dispatcher,
    });
  };
  return call;
}
