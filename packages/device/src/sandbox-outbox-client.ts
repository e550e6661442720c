import { DomicileError, api, definedProps } from '@domicile/protocol';
import type { AddCardHooks } from './provisioning-steps.js';
import { RegionTransport, type TransportSettings } from './region-transport.js';
import { sleep } from './sleep.js';

/** One message the sandbox issuer "sent". */
export type SandboxMessage = api.SandboxOutboxResponse['messages'][number];

export interface SandboxOutboxClientOptions extends TransportSettings {
  /** The sandbox region's base URL (its outbox holds the codes for its own cards). */
  readonly baseUrl: string;
}

/**
 * Reads a sandbox region's outbox (`GET /v1/sandbox/outbox?last4=`): plays the user reading the
 * SMS or e-mail with their one-time code, for the CLI's `--sandbox-otp` and the demo.
 */
export class SandboxOutboxClient {
  readonly #transport: RegionTransport;

  constructor(options: SandboxOutboxClientOptions) {
    this.#transport = new RegionTransport({
      region: 'sandbox',
      baseUrl: options.baseUrl,
      ...definedProps({ fetch: options.fetch, retry: options.retry, clock: options.clock }),
    });
  }

  /** The messages for cards ending in `last4`, newest first. */
  async messages(last4: string, options: { signal?: AbortSignal } = {}): Promise<SandboxMessage[]> {
    const res = await this.#transport.json(
      {
        method: 'GET',
        path: '/v1/sandbox/outbox',
        query: { last4 },
        authenticated: false,
        ...options,
      },
      api.SandboxOutboxResponse,
    );
    return res.messages;
  }

  /**
   * Polls until the sandbox outbox holds the code of one join request (sent to the account's
   * contact) and returns it ('NOT_FOUND' after the timeout).
   */
  async waitForJoinCode(options: {
    joinRequestId: string;
    timeoutMs?: number;
    pollMs?: number;
    signal?: AbortSignal;
  }): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    const signal = definedProps({ signal: options.signal });
    for (;;) {
      const res = await this.#transport.json(
        {
          method: 'GET',
          path: '/v1/sandbox/outbox',
          query: { subject: options.joinRequestId },
          authenticated: false,
          ...signal,
        },
        api.SandboxOutboxResponse,
      );
      const newest = res.messages[0];
      if (newest !== undefined) return newest.code;
      if (Date.now() >= deadline)
        throw new DomicileError('NOT_FOUND', { details: { reason: 'no-sandbox-code' } });
      await sleep(options.pollMs ?? 200, signal.signal);
    }
  }

  /** The id of the newest message for `last4` (0 if none): take it before a code is sent. */
  async latestId(last4: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    return (await this.messages(last4, options)).reduce((max, m) => Math.max(max, m.id), 0);
  }

  /** Polls until a message newer than `after` arrives and returns its code ('NOT_FOUND' after the timeout). */
  async waitForCode(options: {
    last4: string;
    after: number;
    timeoutMs?: number;
    pollMs?: number;
    signal?: AbortSignal;
  }): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    const signal = definedProps({ signal: options.signal });
    for (;;) {
      const newest = (await this.messages(options.last4, signal))
        .filter((m) => m.id > options.after)
        .sort((a, b) => b.id - a.id)[0];
      if (newest !== undefined) return newest.code;
      if (Date.now() >= deadline)
        throw new DomicileError('NOT_FOUND', { details: { reason: 'no-sandbox-code' } });
      await sleep(options.pollMs ?? 200, signal.signal);
    }
  }
}

/**
 * ID&V hooks that act as the user reading the sandbox outbox: they choose the first one-time code
 * method offered (or `preferKind`) and read the code the sandbox issuer sent for it, through the
 * wallet's own fetch and retries (the hooks' context carries them; `fetch` overrides).
 */
export function sandboxIdvHooks(
  options: { fetch?: typeof fetch; preferKind?: api.IdvMethod['kind']; timeoutMs?: number } = {},
): Pick<AddCardHooks, 'chooseIdvMethod' | 'readOtp'> {
  const seen = new Map<string, number>();
  const client = (context: {
    baseUrl: string;
    transport: TransportSettings;
  }): SandboxOutboxClient =>
    new SandboxOutboxClient({
      baseUrl: context.baseUrl,
      ...context.transport,
      ...definedProps({ fetch: options.fetch }),
    });
  return {
    async chooseIdvMethod(methods, context) {
      const method =
        methods.find((m) => m.kind === options.preferKind) ??
        methods.find((m) => m.kind !== 'issuer_app') ??
        methods[0];
      if (method === undefined) throw new DomicileError('IDV_METHOD_UNKNOWN');
      // Remember the newest message before the code is sent, so an older code is never taken.
      seen.set(context.baseUrl, await client(context).latestId(context.last4));
      return method.id;
    },
    async readOtp(context) {
      const outbox = client(context);
      const code = await outbox.waitForCode({
        last4: context.last4,
        after: seen.get(context.baseUrl) ?? 0,
        ...definedProps({ timeoutMs: options.timeoutMs }),
      });
      seen.set(context.baseUrl, await outbox.latestId(context.last4));
      return code;
    },
  };
}
