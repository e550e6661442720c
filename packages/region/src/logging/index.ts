export {
  REDACT_PATHS,
  createRegionLogger,
  redactLogFields,
  scrubCardNumbers,
  type RegionLogger,
  type RegionLoggerOptions,
} from './region-logger.js';
export {
  countStatement,
  currentTrace,
  noteOutcome,
  outboundTraceHeaders,
  outcomeOf,
  runInQueuedTrace,
  runInTrace,
  statementsOf,
  traceparentToQueue,
} from './request-trace.js';
