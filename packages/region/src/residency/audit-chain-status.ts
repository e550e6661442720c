import type { AuditChainStatus } from '../audit/index.js';

/** The audit chain section of a residency report. */
export type ResidencyAuditSection =
  | { readonly status: 'ok'; readonly rows: number; readonly checkpoints: number }
  | {
      readonly status: 'failed';
      readonly rows: number;
      readonly checkpoints: number;
      /** The first row or checkpoint that fails, as the verifier names it. */
      readonly firstFailure: unknown;
    }
  | { readonly status: 'not-checked'; readonly reason: string };

/** The report's section for a verification's result. */
export function auditChainStatusOf(result: AuditChainStatus): ResidencyAuditSection {
  const { rows, checkpoints } = result;
  return result.ok
    ? { status: 'ok', rows, checkpoints }
    : { status: 'failed', rows, checkpoints, firstFailure: result.firstFailure ?? null };
}

/** The section when the chain could not be checked, and why: never silently "ok". */
export function auditChainNotChecked(reason: string): ResidencyAuditSection {
  return { status: 'not-checked', reason };
}
