import { iccMasterKey } from '@domicile/protocol';

/**
 * The token's key material for application cryptograms: the ICC master key derived from the
 * region's issuer master key for the token number (EMV Book 2 A1.4.1, option A), so the region
 * can re-derive it at authorization time and never has to store it.
 */
export function deriveTokenMasterKey(
  issuerMasterKeyHex: string,
  tokenNumber: string,
  psn: string,
): string {
  return iccMasterKey({ imk: Buffer.from(issuerMasterKeyHex, 'hex'), pan: tokenNumber, psn })
    .toString('hex')
    .toUpperCase();
}
