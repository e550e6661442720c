import { maskCardNumber } from '@domicile/protocol';
import {
  scanFiles,
  scanFilesForClearCards,
  verifyResidencyReport,
  type ResidencyFinding,
  type SignedResidencyReport,
} from '@domicile/region';
import {
  produceResidencyReport,
  readVerifiedDirectory,
  summarizeResidencyReport,
} from '../commands/residency-commands.js';
import type { LocalDeployment } from '../deployment/local-deployment.js';

export interface RegionResidency {
  readonly region: string;
  readonly held: { last4: string; network: string; state: string; guest: boolean }[];
  readonly vaultRecords: number;
}

/** Every region's signed residency report, and what they add up to across the deployment. */
export interface ResidencyReport {
  /** Each region's report, as `domicile residency report` writes it, verified against the directory. */
  readonly reports: readonly SignedResidencyReport[];
  readonly regions: RegionResidency[];
  /** Every file read byte for byte: each region's database files and log, and the extra files. */
  readonly scannedFiles: string[];
  /** Problems of any region's report (a card in clear, a card of another region), or an extra file. */
  readonly findings: ResidencyFinding[];
  /** Findings in the extra files alone (each region's are in its report). */
  readonly extraFindings: ResidencyFinding[];
  readonly problems: string[];
  /** No finding and no problem anywhere. */
  readonly clean: boolean;
}

/**
 * The residency audit of a whole local deployment (DESIGN: Residency): the residency report of
 * every region — running or stopped — made and signed by the code of `domicile residency
 * report`, and checked as `domicile residency verify` checks it; plus files outside any region
 * (the wallet), scanned for any card number and for each of `cardNumbers`. Any finding, in any
 * region, fails the audit.
 */
export async function auditResidency(
  deployment: LocalDeployment,
  cardNumbers: readonly string[] = [],
  extraFiles: readonly string[] = [],
): Promise<ResidencyReport> {
  const directory = await readVerifiedDirectory(deployment.dir);
  const reports: SignedResidencyReport[] = [];
  for (const { id } of deployment.config.regions) {
    const signed = await produceResidencyReport({
      region: id,
      dir: deployment.dir,
      databaseUrl: deployment.databaseUrl(id),
      logFiles: [deployment.logFile(id)],
      now: new Date(),
    });
    await verifyResidencyReport(JSON.stringify(signed), directory);
    reports.push(signed);
  }
  const isTokenNumber = (digits: string): boolean => directory.regionForToken(digits) !== undefined;
  const extra = await scanFilesForClearCards(extraFiles, isTokenNumber);
  const extraFindings: ResidencyFinding[] = [
    ...extra.findings.map((f) => ({ location: f.location, card: maskCardNumber(f.last4) })),
    ...(await scanFiles(extraFiles, cardNumbers)),
  ];
  const findings: ResidencyFinding[] = [
    ...reports.flatMap(({ report }) =>
      report.clearCardScan.findings.map((f) => ({
        location: f.location,
        card: maskCardNumber(f.last4),
      })),
    ),
    ...extraFindings,
  ];
  const problems = reports.flatMap(({ report }) =>
    report.verdict.problems.map((p) => `${report.region}: ${p}`),
  );
  return {
    reports,
    regions: reports.map(({ report }) => ({
      region: report.region,
      held: report.cards.map((c) => ({
        last4: c.last4,
        network: c.network,
        state: c.state,
        guest: c.account === 'guest',
      })),
      vaultRecords: report.vault.records,
    })),
    scannedFiles: [
      ...reports.flatMap(({ report }) => report.clearCardScan.files.map((f) => f.path)),
      ...extra.files.map((f) => f.path),
    ],
    findings,
    extraFindings,
    problems,
    clean: findings.length === 0 && problems.length === 0,
  };
}

export function formatResidencyReport(audit: ResidencyReport): string {
  const lines = audit.reports.flatMap(({ report }) =>
    summarizeResidencyReport(report).map((line) => `  ${line}`),
  );
  lines.push(
    `  ${audit.reports.length} reports signed by their regions and verified against the directory`,
  );
  for (const f of audit.extraFindings) lines.push(`  FOUND ${f.card} in clear at ${f.location}`);
  lines.push(
    audit.clean
      ? '  no card number in clear anywhere; no card outside its own region'
      : '  residency audit FAILED',
  );
  return lines.join('\n');
}
