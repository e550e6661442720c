export { appendAudit, type AuditEntry } from './audit-log.js';
