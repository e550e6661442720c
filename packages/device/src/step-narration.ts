import type { ProvisioningStep } from './provisioning-steps.js';

/**
 * One readable line per provisioning step, for the CLI and the demo. Cards and tokens appear
 * masked (`•••• 1234`); nothing else about a card, and no code or key, is ever in a line.
 */
export function describeStep(e: ProvisioningStep): string {
  switch (e.step) {
    case 'message':
      return `→ ${e.region}: provisioning message for ${e.network} card •••• ${e.last4}`;
    case 'redirect':
      return `↪ ${e.from} redirects to ${e.to} (${e.baseUrl}); directory and assertion checked`;
    case 'session':
      return `  ${e.region}: provisioning session ${e.sessionId}`;
    case 'eligibility':
      return `  ${e.region}: eligibility ${e.decision ?? 'unknown'}`;
    case 'terms':
      return `  ${e.region}: terms ${e.termsId} ${e.accepted ? 'accepted' : 'declined'}`;
    case 'card-details':
      return `  ${e.region}: card details sent, encrypted to the directory key ${e.encryptedTo}`;
    case 'push-payload':
      return `  ${e.region}: card details sent as ${e.issuer}'s push payload, sealed by the issuer: the wallet cannot read them`;
    case 'idv':
      return `  ${e.region}: identity check by ${e.kind} to ${e.target}`;
    case 'idv-retry':
      return `  ${e.region}: wrong code${e.triesLeft === undefined ? '' : `, ${e.triesLeft} tries left`}`;
    case 'idv-verified':
      return `  ${e.region}: identity verified`;
    case 'tokenized':
      return `  ${e.region}: tokenized as •••• ${e.tokenLast4} (${e.tokenRef}), provisioning data verified`;
    case 'waiting':
      return `  ${e.region}: waiting for push notifications`;
    case 'card-art':
      return `  ${e.region}: card art ${e.assetId} received (${e.bytes} bytes, hash checked)`;
    case 'script':
      return `  ${e.region}: personalization script ${e.scriptId} verified and stored`;
    case 'active':
      return `✓ ${e.region}: card ${e.tokenRef} active`;
    case 'activation-pending':
      return `… ${e.region}: card ${e.tokenRef} awaits its script; follow notifications to finish`;
  }
}
