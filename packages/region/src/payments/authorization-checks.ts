import {
  arpcMethod2,
  arqcFromTags,
  cryptogramsEqual,
  cvn18DataOf,
  cvn18SessionKey,
  cvn18TransactionData,
  isExpired,
  parseIssuerApplicationData,
  type TransactionFacts,
  type api,
} from '@domicile/protocol';
import type { CredentialRow } from '../storage/index.js';

/**
 * Authorisation response codes (8A; ISO 8583 field 39 as Visa uses them) for each reason. Several
 * reasons share a code: the reason is the precise, stable answer; the code is what terminals know.
 */
export const RESPONSE_CODES: Readonly<Record<api.AuthorizationReason, string>> = {
  approved: '00',
  insufficient_funds: '51',
  account_closed: '46',
  do_not_honor: '05',
  issuer_unavailable: '91',
  token_suspended: '62',
  token_deleted: '62',
  token_not_active: '62',
  token_expired: '54',
  token_data_mismatch: '14',
  cryptogram_invalid: '82',
  atc_replayed: '82',
  domain_mismatch: '57',
};

/** The token's key inputs for EMV: the region re-derives the ICC master key, it never stores it. */
export interface TokenKey {
  readonly imk: Buffer;
  readonly pan: string;
  readonly psn: string;
}

/** `MM/YYYY` as the credential stores it. */
function storedExpiry(credential: CredentialRow): { month: number; year: number } {
  const [month, year] = credential.token_expiry.split('/').map(Number);
  return { month: month ?? 0, year: year ?? 0 };
}

/** What the checks found: a verified cryptogram comes with its session key, for the ARPC. */
export type CheckedAuthorization =
  | { readonly arqcVerified: false; readonly decline: api.AuthorizationReason }
  | {
      readonly arqcVerified: true;
      readonly sessionKey: Buffer;
      readonly decline: api.AuthorizationReason | undefined;
    };

/**
 * The checks that need neither the vault nor the issuer, in the order they decide: the token's
 * data, the cryptogram (EMV Book 2 8.1.2, Visa CVN 18), the token's state and expiry, and its
 * domain (the channel the card itself put in 9F10). `decline` is the first failing reason, or
 * undefined when the issuer may be asked. The ATC is not checked here: a read cannot stop a race,
 * so the caller claims it (`claimAtc`) once the cryptogram verified, before any other decision.
 */
export function checkAuthorization(input: {
  readonly credential: CredentialRow;
  readonly request: api.AuthorizationRequest;
  readonly facts: TransactionFacts;
  readonly key: TokenKey;
}): CheckedAuthorization {
  const { credential, request, facts, key } = input;
  const expiry = storedExpiry(credential);
  if (
    request.panSequenceNumber !== credential.psn ||
    request.tokenExpiry.month !== expiry.month ||
    request.tokenExpiry.year !== expiry.year
  ) {
    return { arqcVerified: false, decline: 'token_data_mismatch' };
  }
  // Derived once here and kept for the ARPC: the DES work is most of an authorization's own CPU.
  const sessionKey = cvn18SessionKey({ ...key, atc: facts.atc });
  const expected = arqcFromTags(sessionKey, [
    cvn18TransactionData(cvn18DataOf(request.emv), facts.atc),
  ]);
  if (!cryptogramsEqual(expected, Buffer.from(request.arqc, 'hex')))
    return { arqcVerified: false, decline: 'cryptogram_invalid' };
  const decline = ((): api.AuthorizationReason | undefined => {
    switch (credential.state) {
      case 'suspended':
        return 'token_suspended';
      case 'deleted':
        return 'token_deleted';
      case 'pending_activation':
        return 'token_not_active';
      case 'active':
        break;
    }
    if (isExpired(expiry)) return 'token_expired';
    const iad = parseIssuerApplicationData(request.emv['9F10']);
    if (iad?.cvn !== 0x12 || iad.channel !== request.channel) return 'domain_mismatch';
    return undefined;
  })();
  return { arqcVerified: true, sessionKey, decline };
}

/**
 * The issuer's answer to the card: ARPC method 2 (EMV Book 2 8.2.2) under the ARQC's session key,
 * over the ARQC and the Card Status Update. CSU byte 2 bit 8 is "issuer approves online
 * transaction" (EMV CCD CSU layout); everything else stays zero: no PIN or counter updates.
 */
export function issuerResponse(
  sessionKey: Buffer,
  input: { arqc: string; approved: boolean },
): { arpc: string; csu: string } {
  const csu = Buffer.from(input.approved ? '00800000' : '00000000', 'hex');
  const value = arpcMethod2({ sessionKey, arqc: Buffer.from(input.arqc, 'hex'), csu });
  return { arpc: value.toString('hex').toUpperCase(), csu: csu.toString('hex').toUpperCase() };
}
