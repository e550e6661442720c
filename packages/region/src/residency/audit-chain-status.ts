/**
 * What `verifyAuditChain` answers (`audit/`): whether the hash chain and every signed checkpoint
 * hold, how much was checked, and the first row that fails.
 */
export interface AuditChainVerification {
  readonly ok: boolean;
  readonly rows: number;
  readonly checkpoints: number;
  readonly firstFailure?: unknown;
}

/** The audit chain section of a residency report. */
export type AuditChainStatus =
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
export function auditChainStatusOf(result: AuditChainVerification): AuditChainStatus {
  const { rows, checkpoints } = result;
  return result.ok
    ? { status: 'ok', rows, checkpoints }
    : { status: 'failed', rows, checkpoints, firstFailure: result.firstFailure ?? null };
}

/** The section when the chain could not be checked, and why: never silently "ok". */
export function auditChainNotChecked(reason: string): AuditChainStatus {
  return { status: 'not-checked', reason };
}
