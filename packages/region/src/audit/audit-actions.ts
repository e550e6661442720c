/**
 * Every action the audit log records, `noun.verb`, and what a row of it means: the one list.
 * `appendAudit` accepts only these names, `docs/audit.md` lists the same (a test keeps them in
 * step), and `audit-coverage.test.ts` runs each against a region and finds its row.
 */
export const AUDIT_ACTIONS = {
  'account.registered': 'An account was registered at its home region, with its first device.',
  'redirect.issued':
    'The home region answered a provisioning message for another region’s card with a signed redirect assertion.',
  'redirect.accepted':
    'A device arrived with a valid redirect assertion from its home region; the guest account it names serves it here.',
  'session.opened': 'A provisioning session was opened for a card of this region.',
  'eligibility.decided':
    'The issuer’s provisioning decision for a session (green, yellow or red), and its reason.',
  'terms.accepted': 'The user accepted the terms offered, by id and hash.',
  'card.received':
    'The card details arrived, were checked with the issuer and sealed in the vault (last 4 only).',
  'idv.code_sent': 'A one-time code was made for the ID&V method the device chose and sent.',
  'idv.verified': 'The one-time code was right: the session may tokenize.',
  'idv.failed': 'A wrong one-time code: a try was spent (the session locks on the last).',
  'credential.tokenized': 'A token was created for a device, its card sealed in the vault.',
  'credential.activated':
    'The device confirmed the personalization script was stored: the credential is active.',
  'credential.suspend':
    'A credential was suspended, by the device, the issuer or a lost-device report.',
  'credential.resume': 'A suspended credential was resumed.',
  'credential.delete': 'A credential was deleted.',
  'credential.suspension_taken_over':
    'A second suspension (e.g. the issuer’s) took over one already in force, so that resuming needs its actor.',
  'product.art_updated': 'An issuer replaced a product’s card art.',
  'credential.reissued':
    'An issuer replaced the card behind a token (new number and/or expiry, last 4 only): a new vault record, the old one’s key erased.',
  'device.reported_lost':
    'A device was reported lost at its home region (by the device or an operator); its credentials here were suspended.',
  'device.lost.received':
    'A lost-device request from a home region was received here and its credentials suspended.',
  'device.lost.confirmed':
    'A region confirmed (signed) that it suspended a lost device’s credentials.',
  'device.tokens_queried':
    'A home region asked (signed) which tokens a device holds here, for an operator; the answer was signed.',
  'issuer.call': 'An issuer called the issuer API (signed request), and what it asked for.',
  'operator.call': 'An operator called the support API, and what it asked for.',
  'key.rotated': 'A region key was rotated: its purpose and its new kid (never the key).',
  'request.refused':
    'A request was refused: its route, its error code and who asked (no card data, code, key or token).',
  'device.join_requested':
    'A new device asked to join an account at its home region (by approval of a device of the account, or by a code sent to the account’s contact).',
  'device.join_code_failed':
    'A wrong join code: a try was spent (the join request locks on the last).',
  'device.join_approved':
    'A join request was approved (signed by a device of the account, or by the right code): the new device is on the account.',
  'device.join_refused':
    'A join request was refused by a device of the account, or locked by wrong codes.',
  'device.removed':
    'A device was removed from its account at the home region; its credentials here were deleted.',
  'device.removed.received':
    'A removed-device request from a home region was received here and that device’s credentials deleted.',
  'device.removed.confirmed':
    'A region confirmed (signed) that it deleted a removed device’s credentials.',
  'card.pushed':
    'An issuer’s push payload brought the card details: its signature, region, device binding and single use checked.',
  'idv.skipped':
    'ID&V was not asked although the decision was yellow, and why (the card’s issuer pushed it).',
  'console.signed_in':
    'An operator signed in to the operator console with an operator token (its label and client address).',
  'console.signed_out': 'An operator signed out of the operator console.',
  'console.sign_in_refused':
    'A sign-in to the operator console was refused (the client address; never the token presented).',
} as const satisfies Readonly<Record<string, string>>;

/** An action the audit log records: a key of {@link AUDIT_ACTIONS}. */
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** True for a name of {@link AUDIT_ACTIONS}. */
export function isAuditAction(name: string): name is AuditAction {
  return Object.hasOwn(AUDIT_ACTIONS, name);
}
