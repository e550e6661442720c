export {
  childSpan,
  formatTraceparent,
  newTrace,
  parseTraceparent,
  type TraceContext,
} from './trace-context.js';
