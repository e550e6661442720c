import type { api } from '@domicile/protocol';

/** One line per region: where a lost-device report stands. */
export function formatLostReport(report: api.LostReportView): string[] {
  const lines = [
    `report ${report.reportId}  device ${report.deviceId}  reported ${report.reportedAt} by ${report.reportedBy}`,
    `  ${report.home.region.padEnd(4)} home       suspended ${report.home.suspended}`,
  ];
  for (const r of report.regions) {
    const detail =
      r.status === 'confirmed'
        ? `suspended ${r.suspended ?? 0}  (attempts ${r.attempts})`
        : `attempts ${r.attempts}${r.lastError === undefined ? '' : `  last error ${r.lastError}`}${r.nextAttemptAt === undefined ? '' : `  next ${r.nextAttemptAt}`}`;
    lines.push(`  ${r.region.padEnd(4)} ${r.status.padEnd(10)} ${detail}`);
  }
  lines.push(report.complete ? '  every region confirmed' : '  waiting for regions to confirm');
  return lines;
}
