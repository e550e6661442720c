import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it, vi } from 'vitest';
import { PollingLoop } from './polling-loop.js';

// Lets zero-delay timers fire; the loop's own interval is an hour, so only kicks and full batches run it.
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 25));

describe('PollingLoop', () => {
  it("runs a kicked batch outside the kicking request's context, and every batch after it", async () => {
    const request = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const loop = new PollingLoop({
      run: () => {
        seen.push(request.getStore());
        return Promise.resolve(seen.length === 2);
      },
      intervalMs: 3_600_000,
      onError: () => undefined,
    });
    loop.start();
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 30_000 });
    request.run('a request', () => loop.kick());
    await vi.waitFor(() => expect(seen).toHaveLength(3), { timeout: 30_000 });
    await loop.stop();
    expect(seen).toEqual([undefined, undefined, undefined]);
  });

  it('runs at start, again at once while batches are full, and waits for a kick after that', async () => {
    let runs = 0;
    const fullBatches = 2;
    const loop = new PollingLoop({
      run: () => Promise.resolve(++runs <= fullBatches),
      intervalMs: 3_600_000,
      onError: () => undefined,
    });
    loop.start();
    await vi.waitFor(() => expect(runs).toBe(fullBatches + 1), { timeout: 30_000 });
    await settle();
    expect(runs).toBe(fullBatches + 1);
    loop.kick();
    await vi.waitFor(() => expect(runs).toBe(fullBatches + 2), { timeout: 30_000 });
    await loop.stop();
    loop.kick();
    await settle();
    expect(runs).toBe(fullBatches + 2);
  });

  it('reports a failed run and keeps going', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const loop = new PollingLoop({
      run: () => {
        runs++;
        return Promise.reject(new Error('db down'));
      },
      intervalMs: 3_600_000,
      onError: (e) => errors.push(e),
    });
    loop.start();
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 30_000 });
    loop.kick();
    await vi.waitFor(() => expect(errors).toHaveLength(2), { timeout: 30_000 });
    await loop.stop();
    expect(runs).toBe(2);
    expect(errors).toHaveLength(2);
  });

  it('rests after a full batch for as long as its worker asks, given how long the batch took', async () => {
    const rests: number[] = [];
    let runs = 0;
    const loop = new PollingLoop({
      run: () => Promise.resolve(++runs <= 2),
      intervalMs: 3_600_000,
      onError: () => undefined,
      restMs: (busyMs) => {
        rests.push(busyMs);
        return 1;
      },
    });
    loop.start();
    await vi.waitFor(() => expect(runs).toBe(3), { timeout: 30_000 });
    await loop.stop();
    // Asked after each of the two full batches only; never after the batch that was not full.
    expect(rests).toHaveLength(2);
    for (const busy of rests) expect(busy).toBeGreaterThanOrEqual(0);
  });
});
