import { AsyncLocalStorage } from 'node:async_hooks';
import { newTrace, type TraceContext } from '@domicile/protocol';

/** The trace of the user action under way (W3C Trace Context). */
const userAction = new AsyncLocalStorage<TraceContext>();

/**
 * Runs one user action (adding a card) as one trace: every request it makes, to its home region
 * and, after a redirect, to the region that owns the card, carries the same trace-id, so that
 * both regions' logs tell one story. Inside an action already under way, it joins that one.
 * (A browser bundle takes `user-action-trace-browser.ts`: the package's `browser` field.)
 */
export function inUserAction<T>(work: () => Promise<T>): Promise<T> {
  return userAction.getStore() === undefined ? userAction.run(newTrace(), work) : work();
}

/** The trace of the action this call runs in, if any. */
export function currentUserAction(): TraceContext | undefined {
  return userAction.getStore();
}
