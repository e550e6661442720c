import { DomicileError, definedProps } from '@domicile/protocol';

/** Why the vault could not do what was asked; carried in `details.reason` of the error. */
export type VaultFailureReason =
  'record_not_found' | 'record_erased' | 'kek_unknown' | 'key_unwrap_failed' | 'decryption_failed';

/**
 * The vault's errors, with a fixed reason a caller can test; the message stays the table's fixed
 * text and the detail of a crypto failure stays in `cause`. An erased record (a deleted token,
 * crypto-shredded) is `VAULT_RECORD_ERASED`: final, and nobody's fault. Every other failure is
 * `INTERNAL`: a vault failure is never the caller's fault.
 */
export function vaultError(reason: VaultFailureReason, cause?: unknown): DomicileError {
  return new DomicileError(reason === 'record_erased' ? 'VAULT_RECORD_ERASED' : 'INTERNAL', {
    details: { reason },
    ...definedProps({ cause }),
  });
}

/** The vault failure reason of an error, if it is one. */
export function vaultFailureOf(error: unknown): VaultFailureReason | undefined {
  if (
    !(error instanceof DomicileError) ||
    (error.code !== 'INTERNAL' && error.code !== 'VAULT_RECORD_ERASED')
  )
    return undefined;
  const reason = error.details?.reason;
  const reasons: readonly unknown[] = [
    'record_not_found',
    'record_erased',
    'kek_unknown',
    'key_unwrap_failed',
    'decryption_failed',
  ];
  return reasons.includes(reason) ? (reason as VaultFailureReason) : undefined;
}
