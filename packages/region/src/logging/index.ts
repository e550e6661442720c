export {
  REDACT_PATHS,
  createRegionLogger,
  scrubCardNumbers,
  type RegionLogger,
  type RegionLoggerOptions,
} from './region-logger.js';
export { currentTrace, outboundTraceHeaders, runInTrace } from './request-trace.js';
