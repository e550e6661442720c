import type { Directory, api } from '@domicile/protocol';
import {
  handleNotification,
  type CompletionContext,
  type NotificationOutcome,
} from './credential-completion.js';
import { linkSignals } from './linked-signal.js';
import { followRegionNotifications } from './notification-stream.js';
import type { ProvisioningStep } from './provisioning-steps.js';
import type { DirectoryKeyLookup } from './redirect-policy.js';
import type { RegionClient } from './region-client.js';
import type { Applet, SecureElement } from './secure-element/index.js';
import { definedProps } from '@domicile/protocol';

/** A notification the wallet handled, and what handling it did. */
export interface HandledNotification {
  readonly region: string;
  readonly notification: api.Notification;
  readonly outcome: NotificationOutcome;
}

export interface FollowOptions {
  /** Stops following; `followNotifications` then resolves. */
  readonly signal: AbortSignal;
  readonly onNotification?: (handled: HandledNotification) => void;
  readonly onStep?: (event: ProvisioningStep) => void;
  /** Called on each (re)connection of a region's stream with the Last-Event-ID sent. */
  readonly onConnect?: (region: string, lastEventId: number) => void;
}

export interface WalletNotificationsOptions {
  /** The directory held now (the wallet may refresh it between calls). */
  readonly directory: () => Directory;
  /** Finds keys by kid, refreshing the directory on an unknown one. */
  readonly keyFor?: DirectoryKeyLookup;
  readonly secureElement: SecureElement;
  readonly clientFor: (region: string) => RegionClient;
  readonly persist: () => Promise<void>;
  /** The wallet state's cursors, updated in place: region → id of the last notification handled. */
  readonly cursors: Record<string, number>;
  readonly stream: { readonly reconnectDelayMs?: number; readonly idleTimeoutMs?: number };
  readonly onHandled?: (handled: HandledNotification) => void;
}

const PAGE = 100;

/**
 * Push notifications for the wallet (DESIGN: Durable push): each handled in order, then the
 * region's cursor saved, so a restart resumes after the last one handled and never skips one.
 */
export class WalletNotifications {
  readonly #o: WalletNotificationsOptions;

  constructor(options: WalletNotificationsOptions) {
    this.#o = options;
  }

  /** Polls `GET /v1/notifications` after the cursor until nothing is left. */
  async sync(
    region: string,
    options: { signal?: AbortSignal; onStep?: (e: ProvisioningStep) => void } = {},
  ): Promise<HandledNotification[]> {
    const client = this.#o.clientFor(region);
    const handled: HandledNotification[] = [];
    for (;;) {
      const page = await client.notifications(
        this.#o.cursors[region] ?? 0,
        PAGE,
        definedProps({ signal: options.signal }),
      );
      for (const n of page) handled.push(await this.#handle(region, n, options));
      if (page.length < PAGE) return handled;
    }
  }

  /** Follows the streams of `regions` together; the first region to fail stops them all. */
  async follow(regions: readonly string[], options: FollowOptions): Promise<void> {
    const link = linkSignals([options.signal]);
    try {
      await Promise.all(
        regions.map(async (region) => {
          try {
            await this.#follow(region, link.signal, options);
          } catch (error) {
            link.abort();
            throw error;
          }
        }),
      );
    } finally {
      link.dispose();
    }
  }

  /**
   * After tokenization: follows the provisioning region's stream until the applet is active, the
   * timeout passes (then reports 'activation-pending') or `signal` aborts (then throws its reason).
   */
  async awaitActivation(
    applet: Applet,
    client: RegionClient,
    options: { timeoutMs: number; signal?: AbortSignal; onStep?: (e: ProvisioningStep) => void },
  ): Promise<void> {
    // A function, not a narrowed property: handlers change the applet while we wait.
    const isActive = (): boolean => applet.state === 'active';
    if (isActive()) return;
    options.onStep?.({ step: 'waiting', region: client.region, tokenRef: applet.tokenRef });
    const wait = linkSignals([options.signal], options.timeoutMs);
    try {
      await this.#follow(client.region, wait.signal, {
        ...definedProps({ onStep: options.onStep }),
        onNotification: () => {
          if (isActive()) wait.abort();
        },
      });
    } finally {
      wait.dispose();
    }
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (!isActive())
      options.onStep?.({
        step: 'activation-pending',
        region: client.region,
        tokenRef: applet.tokenRef,
      });
  }

  #follow(
    region: string,
    signal: AbortSignal,
    options: Omit<FollowOptions, 'signal'>,
  ): Promise<void> {
    return followRegionNotifications({
      client: this.#o.clientFor(region),
      after: this.#o.cursors[region] ?? 0,
      signal,
      ...this.#o.stream,
      ...(options.onConnect === undefined
        ? {}
        : { onConnect: (id: number) => options.onConnect?.(region, id) }),
      onNotification: async (n) => {
        const handled = await this.#handle(region, n, options);
        options.onNotification?.(handled);
      },
    });
  }

  async #handle(
    region: string,
    n: api.Notification,
    options: { signal?: AbortSignal; onStep?: (e: ProvisioningStep) => void },
  ): Promise<HandledNotification> {
    const ctx: CompletionContext = {
      directory: this.#o.directory(),
      ...definedProps({ keyFor: this.#o.keyFor }),
      secureElement: this.#o.secureElement,
      clientFor: this.#o.clientFor,
      persist: this.#o.persist,
      ...definedProps({ onStep: options.onStep, signal: options.signal }),
    };
    const outcome = await handleNotification(ctx, region, n);
    if (n.id > (this.#o.cursors[region] ?? 0)) this.#o.cursors[region] = n.id;
    await this.#o.persist();
    const handled = { region, notification: n, outcome };
    this.#o.onHandled?.(handled);
    return handled;
  }
}
