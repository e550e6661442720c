import { DomicileError, peekHeader, verifyJson, type Directory } from '@domicile/protocol';
import type { JwsSigner } from '../keys/index.js';
import type { ResidencyReport } from './residency-report.js';
import { directoryKeyByKid } from './report-signing-key.js';

/** The `typ` of a residency report's JWS: no other signed object of the region can pass as one. */
export const RESIDENCY_REPORT_TYP = 'domicile-residency-report+jws';

/**
 * The JSON file `residency report --format json` writes: the report as readable JSON, and the
 * region's JWS over exactly that JSON (its payload), which `residency verify` checks.
 */
export interface SignedResidencyReport {
  readonly report: ResidencyReport;
  readonly jws: string;
}

/** Signs a report with the region's signing key, wherever that key lives (file or HSM). */
export async function signResidencyReport(
  report: ResidencyReport,
  signer: JwsSigner,
): Promise<SignedResidencyReport> {
  return { report, jws: await signer.sign(report, RESIDENCY_REPORT_TYP) };
}

/** What a verified report proves: which region signed it, with which key. */
export interface VerifiedResidencyReport {
  readonly report: ResidencyReport;
  readonly region: string;
  readonly kid: string;
}

function malformed(reason: string): DomicileError {
  return new DomicileError('RESIDENCY_REPORT_MALFORMED', { details: { reason } });
}

/**
 * Checks a signed report against the directory: the JWS verifies with the signing key the
 * directory lists for the report's region under the JWS's `kid`, and the readable report is
 * exactly the signed payload, so neither can be edited alone.
 *
 * @throws DomicileError `RESIDENCY_REPORT_MALFORMED` (not JSON, not a signed report),
 *   `RESIDENCY_REPORT_KEY_UNKNOWN` (no such region or `kid` in the directory),
 *   `RESIDENCY_REPORT_SIGNATURE_INVALID` (the signature fails, or the report differs from it).
 */
export async function verifyResidencyReport(
  text: string,
  directory: Directory,
): Promise<VerifiedResidencyReport> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw malformed('not a JSON object');
  const { report, jws } = parsed as Partial<Record<'report' | 'jws', unknown>>;
  if (typeof jws !== 'string') throw malformed('no jws');
  if (typeof report !== 'object' || report === null) throw malformed('no report');
  const region = (report as { region?: unknown }).region;
  if (typeof region !== 'string') throw malformed('the report names no region');
  const header = peekHeader(jws);
  if (header === undefined) throw malformed('the jws is not a compact JWS');
  if (header.typ !== RESIDENCY_REPORT_TYP) throw malformed('the jws is not of a residency report');
  if (typeof header.kid !== 'string') throw malformed('the jws names no kid');
  const key = directoryKeyByKid(directory, region, 'signing', header.kid);
  if (key === undefined)
    throw new DomicileError('RESIDENCY_REPORT_KEY_UNKNOWN', {
      details: { region, kid: header.kid, directorySerial: directory.document.serial },
    });
  const payload = await verifyJson(
    jws,
    key,
    RESIDENCY_REPORT_TYP,
    'RESIDENCY_REPORT_SIGNATURE_INVALID',
  );
  // JSON.parse keeps member order, so an unedited report serializes to the signed bytes.
  if (JSON.stringify(payload) !== JSON.stringify(report))
    throw new DomicileError('RESIDENCY_REPORT_SIGNATURE_INVALID', {
      details: { reason: 'the report differs from what was signed' },
    });
  return { report: payload as ResidencyReport, region, kid: header.kid };
}
