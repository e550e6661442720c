import { AsyncLocalStorage } from 'node:async_hooks';
import {
  childSpan,
  formatTraceparent,
  newTrace,
  parseTraceparent,
  type TraceContext,
} from '@domicile/protocol';

/** The trace of the request being handled, wherever its work goes (services, stores, clients). */
const current = new AsyncLocalStorage<TraceContext>();

/** Runs `work`, and everything it starts, inside `trace`. */
export function runInTrace<T>(trace: TraceContext, work: () => T): T {
  return current.run(trace, work);
}

/** Statements each trace has sent to the database, while it is handled (not kept after). */
const statements = new WeakMap<TraceContext, number>();

/**
 * Counts a database statement against the trace it runs in (the database's `onStatement`):
 * what a request costs in statements, deterministic where its time is not.
 */
export function countStatement(): void {
  const trace = current.getStore();
  if (trace !== undefined) statements.set(trace, (statements.get(trace) ?? 0) + 1);
}

/** The statements counted against `trace` so far. */
export function statementsOf(trace: TraceContext): number {
  return statements.get(trace) ?? 0;
}

/** What each trace's request decided, for its one "request completed" log line (not kept after). */
const outcomes = new WeakMap<TraceContext, Readonly<Record<string, unknown>>>();

/**
 * Records what the request being handled decided (an authorization's id and decision), to be
 * logged on the request's "request completed" line: one line per request, where a line of its
 * own cost each authorization a JSON serialization and a `write`.
 * @returns false when no request is being handled: nothing is recorded, the caller logs itself.
 */
export function noteOutcome(fields: Readonly<Record<string, unknown>>): boolean {
  const trace = current.getStore();
  if (trace === undefined) return false;
  outcomes.set(trace, fields);
  return true;
}

/** What `noteOutcome` recorded for `trace`, if anything. */
export function outcomeOf(trace: TraceContext): Readonly<Record<string, unknown>> | undefined {
  return outcomes.get(trace);
}

/** The trace of the request being handled; undefined outside a request (a worker's batch). */
export function currentTrace(): TraceContext | undefined {
  return current.getStore();
}

/**
 * The `traceparent` of an outbound call (to another region, the issuer, a webhook): the current
 * request's trace with a new span, or a new trace for a call no request made.
 */
export function outboundTraceHeaders(): { traceparent: string } {
  return { traceparent: formatTraceparent(childSpan(current.getStore() ?? newTrace())) };
}

/**
 * The `traceparent` to store with work queued for a worker (a webhook, a region-to-region
 * request): the current request's, so that the delivery joins its trace; null outside a request.
 */
export function traceparentToQueue(): string | null {
  const trace = current.getStore();
  return trace === undefined ? null : formatTraceparent(trace);
}

/** Runs a worker's delivery of queued work inside the trace it was queued in, or a new one. */
export function runInQueuedTrace<T>(traceparent: string | null, work: () => T): T {
  return current.run(parseTraceparent(traceparent ?? undefined) ?? newTrace(), work);
}
