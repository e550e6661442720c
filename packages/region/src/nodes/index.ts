export {
  LEASE_RENEW_INTERVAL_MS,
  LEASE_TTL_MS,
  NodeLease,
  isIncarnationAlive,
  type NodeLeaseLogger,
  type NodeLeaseOptions,
} from './node-lease.js';
