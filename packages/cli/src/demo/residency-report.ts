import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { maskCardNumber } from '@domicile/protocol';
import {
  countVaultRecords,
  heldCredentials,
  scanDatabase,
  scanFiles,
  type ResidencyFinding,
} from '@domicile/region';
import type { LocalDeployment } from '../deployment/local-deployment.js';

export interface RegionResidency {
  readonly region: string;
  readonly held: { last4: string; network: string; state: string; guest: boolean }[];
  readonly vaultRecords: number;
}

export interface ResidencyReport {
  readonly regions: RegionResidency[];
  readonly scannedFiles: string[];
  readonly cardsSearched: number;
  readonly findings: ResidencyFinding[];
}

/**
 * The residency audit (DESIGN: Residency): which region holds which card, and a byte scan of
 * every region's database files (with WAL) and logs, plus every row through SQL, for each card
 * number. Any finding — a number in clear anywhere, in any region — fails the audit.
 */
export async function auditResidency(
  deployment: LocalDeployment,
  cardNumbers: readonly string[],
  extraFiles: readonly string[] = [],
): Promise<ResidencyReport> {
  const regions: RegionResidency[] = [];
  const findings: ResidencyFinding[] = [];
  for (const [id, region] of deployment.regions) {
    regions.push({
      region: id,
      held: await heldCredentials(region.context.db),
      vaultRecords: await countVaultRecords(region.context.db),
    });
    findings.push(...(await scanDatabase(region.context.db, cardNumbers, `${id} database`)));
  }
  const entries = await readdir(deployment.dir, { recursive: true });
  const scannedFiles = [
    ...entries
      .map((e) => join(deployment.dir, e))
      .filter((f) => /\.(db|db-wal|db-shm|log)$/.test(f)),
    ...extraFiles,
  ];
  findings.push(...(await scanFiles(scannedFiles, cardNumbers)));
  return { regions, scannedFiles, cardsSearched: cardNumbers.length, findings };
}

export function formatResidencyReport(report: ResidencyReport): string {
  const lines: string[] = [];
  for (const r of report.regions) {
    const cards =
      r.held.length === 0
        ? 'no cards'
        : r.held
            .map(
              (c) =>
                `${maskCardNumber(c.last4)} ${c.network} (${c.state}${c.guest ? ', guest account' : ''})`,
            )
            .join(', ');
    lines.push(`  ${r.region.padEnd(3)} holds ${cards}; ${r.vaultRecords} sealed vault record(s)`);
  }
  lines.push(
    `  scanned ${report.scannedFiles.length} database and log files and every table of ${report.regions.length} regions for ${report.cardsSearched} card numbers`,
  );
  if (report.findings.length === 0) {
    lines.push('  no card number in clear anywhere; no card outside its own region');
  } else {
    for (const f of report.findings) lines.push(`  FOUND ${f.card} in clear at ${f.location}`);
  }
  return lines.join('\n');
}
