export {
  REDACT_PATHS,
  createRegionLogger,
  scrubCardNumbers,
  type RegionLogger,
  type RegionLoggerOptions,
} from './region-logger.js';
export {
  currentTrace,
  outboundTraceHeaders,
  runInQueuedTrace,
  runInTrace,
  traceparentToQueue,
} from './request-trace.js';
