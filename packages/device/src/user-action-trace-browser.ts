import { newTrace, type TraceContext } from '@domicile/protocol';

/**
 * A browser has no AsyncLocalStorage: the trace of the action under way is kept while its promise
 * is pending. A page drives one action at a time (its buttons wait for the story to end); should
 * two overlap, the later one's requests join the earlier trace, which only blurs the logs.
 */
let current: TraceContext | undefined;

export async function inUserAction<T>(work: () => Promise<T>): Promise<T> {
  if (current !== undefined) return work();
  current = newTrace();
  try {
    return await work();
  } finally {
    current = undefined;
  }
}

export function currentUserAction(): TraceContext | undefined {
  return current;
}
