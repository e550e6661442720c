import type { AuthorizationChannel } from '../api/authorizations.js';

/**
 * Issuer Application Data (9F10) for Visa CVN 18, as Domicile's applets write it (23 bytes):
 *
 *   06             length of the Visa discretionary data
 *   01             derivation key index
 *   12             cryptogram version number 18
 *   03 A0 00 00    card verification results: length 03, then "ARQC returned in the first
 *                  GENERATE AC, second GENERATE AC not requested", no offline checks
 *   0F             length of the issuer-discretionary data
 *   D1 cc 00 … 00  issuer-discretionary data: format D1 (Domicile wallet), cc the channel the
 *                  cryptogram was made for (01 in store, 02 in app), 13 bytes reserved
 *
 * The ARQC covers 9F10, so the channel inside it is the card's word, not the acquirer's: a
 * cryptogram made in an app cannot be presented as a tap at a terminal (token domain control).
 */
export const CVN18_DKI = 0x01;
const CVN = 0x12;
const CVR = [0x03, 0xa0, 0x00, 0x00] as const;
const IDD_FORMAT = 0xd1;
const IDD_LENGTH = 15;
const CHANNELS: Readonly<Record<AuthorizationChannel, number>> = { in_store: 0x01, in_app: 0x02 };

/** The IAD an applet sends with an ARQC made for `channel`, as uppercase hex. */
export function buildIssuerApplicationData(channel: AuthorizationChannel): string {
  const idd = Buffer.alloc(IDD_LENGTH);
  idd[0] = IDD_FORMAT;
  idd[1] = CHANNELS[channel];
  return Buffer.concat([Buffer.from([0x06, CVN18_DKI, CVN, ...CVR, IDD_LENGTH]), idd])
    .toString('hex')
    .toUpperCase();
}

/** What a region reads from an IAD: the CVN, the derivation key index and the channel, when present. */
export interface IssuerApplicationData {
  readonly cvn: number;
  readonly dki: number;
  readonly cvr: string;
  readonly channel: AuthorizationChannel | undefined;
}

/** Parses a Visa-format IAD; undefined when it is not one. A channel is read from Domicile's IDD only. */
export function parseIssuerApplicationData(hex: string): IssuerApplicationData | undefined {
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length < 7 || bytes[0] !== 0x06) return undefined;
  const cvn = bytes[2] ?? 0;
  const dki = bytes[1] ?? 0;
  const cvr = bytes.subarray(3, 7).toString('hex').toUpperCase();
  const iddLength = bytes[7];
  const idd = iddLength === undefined ? Buffer.alloc(0) : bytes.subarray(8, 8 + iddLength);
  let channel: AuthorizationChannel | undefined;
  if (iddLength === IDD_LENGTH && idd.length === IDD_LENGTH && idd[0] === IDD_FORMAT) {
    channel = (Object.keys(CHANNELS) as AuthorizationChannel[]).find((c) => CHANNELS[c] === idd[1]);
  }
  return { cvn, dki, cvr, channel };
}
