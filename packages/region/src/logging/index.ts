export {
  REDACT_PATHS,
  createRegionLogger,
  scrubCardNumbers,
  type RegionLogger,
  type RegionLoggerOptions,
} from './region-logger.js';
