import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationHub } from './notification-hub.js';

/** A hub adapter under test: its hubs are the nodes of one region. */
export interface HubAdapter {
  /** A new hub (a node), ready to be woken when the promise resolves. */
  open(): Promise<NotificationHub>;
  /** Whether a publish on one node wakes the subscribers of another (nodes sharing a database). */
  readonly sharedAcrossNodes: boolean;
  /**
   * Resolves once every publish made so far has reached every listed hub it will ever reach, so
   * a test can say "not woken" without sleeping.
   */
  settle(hubs: readonly NotificationHub[]): Promise<void>;
  /** The connections the adapter's hubs hold open on a server, for an adapter that has one. */
  openConnections?(): Promise<number>;
  dispose(): Promise<void>;
}

/** Generous: a busy machine may be slow, but a wake-up that never comes must still fail the test. */
const HUB_BOUND_MS = 10_000;

/** `promise`, or a rejection naming `what` once the bound has passed. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not within ${String(HUB_BOUND_MS)} ms`)),
      HUB_BOUND_MS,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `check` holds, asking again every 20 ms; fails after the bound. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + HUB_BOUND_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${String(HUB_BOUND_MS)} ms`);
    await sleep(20);
  }
}

/** Counts the wake-ups of one listener and lets a test wait for the first. */
class Wakes {
  count = 0;
  readonly #waiters: (() => void)[] = [];

  readonly listener = (): void => {
    this.count += 1;
    for (const wake of this.#waiters.splice(0)) wake();
  };

  first(what: string): Promise<void> {
    if (this.count > 0) return Promise.resolve();
    return within(new Promise((resolve) => this.#waiters.push(resolve)), what);
  }
}

/**
 * The contract every {@link NotificationHub} honours: a publish wakes the subscribers of that
 * device and no other, an unsubscribed listener stays asleep, nodes that share a database wake
 * each other, and a closed hub wakes nobody and lets go of its connection.
 */
export function describeNotificationHubContract(
  name: string,
  create: () => Promise<HubAdapter>,
): void {
  describe(`notification hub contract: ${name}`, () => {
    let adapter: HubAdapter | undefined;
    let opened: NotificationHub[] = [];
    const node = async (): Promise<NotificationHub> => {
      if (adapter === undefined) throw new Error('the adapter did not open');
      const hub = await adapter.open();
      opened.push(hub);
      return hub;
    };
    const settle = (...hubs: NotificationHub[]): Promise<void> =>
      within(adapter?.settle(hubs) ?? Promise.reject(new Error('no adapter')), 'settle');

    beforeAll(async () => {
      adapter = await create();
    });
    afterEach(async () => {
      await Promise.all(opened.map((hub) => hub.close()));
      opened = [];
    });
    afterAll(async () => {
      await adapter?.dispose();
    });

    it('wakes the subscribers of the published device, and no other device', async () => {
      const hub = await node();
      const [a, b] = [new Wakes(), new Wakes()];
      hub.subscribe('dev-a', a.listener);
      hub.subscribe('dev-b', b.listener);
      hub.publish('dev-a');
      await a.first('dev-a woken');
      await settle(hub);
      expect(b.count).toBe(0);
    });

    it('wakes every subscriber of one device', async () => {
      const hub = await node();
      const listeners = [new Wakes(), new Wakes(), new Wakes()];
      for (const l of listeners) hub.subscribe('dev-a', l.listener);
      hub.publish('dev-a');
      await Promise.all(listeners.map((l, i) => l.first(`listener ${String(i)} woken`)));
    });

    it('stops waking a listener that unsubscribed, and keeps waking the others', async () => {
      const hub = await node();
      const [gone, stays] = [new Wakes(), new Wakes()];
      const unsubscribe = hub.subscribe('dev-a', gone.listener);
      hub.subscribe('dev-a', stays.listener);
      unsubscribe();
      hub.publish('dev-a');
      await stays.first('the remaining listener woken');
      await settle(hub);
      expect(gone.count).toBe(0);
    });

    it('wakes a subscriber on another node exactly when the nodes share a database', async () => {
      const [reader, writer] = [await node(), await node()];
      const [remote, local] = [new Wakes(), new Wakes()];
      reader.subscribe('dev-a', remote.listener);
      writer.subscribe('dev-a', local.listener);
      writer.publish('dev-a');
      await local.first('the writing node woken');
      if (adapter?.sharedAcrossNodes === true) {
        await remote.first('the other node woken');
      } else {
        await settle(reader, writer);
        expect(remote.count).toBe(0);
      }
    });

    it('wakes nobody once closed, and lets go of its connection', async () => {
      const [stays, closing] = [await node(), await node()];
      const connections = await adapter?.openConnections?.();
      const asleep = new Wakes();
      closing.subscribe('dev-a', asleep.listener);
      await closing.close();
      opened = opened.filter((hub) => hub !== closing);
      closing.publish('dev-a');
      stays.publish('dev-a');
      await settle(stays);
      expect(asleep.count).toBe(0);
      if (connections !== undefined) {
        // The server drops a closed backend a moment after the socket closes: ask until it has.
        const released = async (): Promise<boolean> =>
          (await adapter?.openConnections?.()) === connections - 1;
        await eventually(released, 'the closed hub releases its connection');
      }
    });
  });
}
