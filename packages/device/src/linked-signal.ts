/** An AbortSignal that follows others, with an optional deadline; see `linkSignals`. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Aborts this signal only (not its sources). */
  abort(reason?: unknown): void;
  /** Cancels the deadline, e.g. once a stream's headers arrived. */
  clearDeadline(): void;
  /** Unhooks from the sources and cancels the deadline; call it when the work is over. */
  dispose(): void;
}

/**
 * A signal that aborts when any source does, or after `timeoutMs`. Built by hand rather than with
 * AbortSignal.any/timeout so that its deadline can be called off (a stream, once open, must not
 * time out) and its listeners removed on `dispose`: a long-lived source (a follow that makes many
 * requests) then never piles them up.
 */
export function linkSignals(
  sources: readonly (AbortSignal | undefined)[],
  timeoutMs?: number,
): LinkedSignal {
  const controller = new AbortController();
  const unhooks: (() => void)[] = [];
  for (const source of sources) {
    if (source === undefined) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const onAbort = (): void => controller.abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    unhooks.push(() => source.removeEventListener('abort', onAbort));
  }
  let timer: NodeJS.Timeout | undefined;
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    timer = setTimeout(
      () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
      timeoutMs,
    );
  }
  const clearDeadline = (): void => clearTimeout(timer);
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => controller.abort(reason),
    clearDeadline,
    dispose: () => {
      clearDeadline();
      for (const unhook of unhooks) unhook();
    },
  };
}
