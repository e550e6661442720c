import type { ResidencyAuditSection } from './audit-chain-status.js';
import type { ResidencyReport } from './residency-report.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

// Inline, and nothing fetched: the file is read offline, possibly years later, by a regulator.
const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em;word-break:break-all}
.verdict{padding:.6rem 1rem;border-radius:4px;font-weight:600}.clean{background:#e4f6e4;border:1px solid #4a4}.problem{background:#fbe4e4;border:1px solid #c44}
.muted{color:#666}
@media print{body{margin:0}}`;

type Cell = string | number | boolean | null | undefined;

function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row
          .map((cell) =>
            typeof cell === 'number'
              ? `<td class="n">${escapeHtml(cell)}</td>`
              : `<td>${escapeHtml(cell ?? '—')}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function auditSection(audit: ResidencyAuditSection): string {
  switch (audit.status) {
    case 'ok':
      return `<p>Verified: ${escapeHtml(audit.rows)} rows, ${escapeHtml(audit.checkpoints)} signed checkpoints.</p>`;
    case 'failed':
      return `<p class="verdict problem">The chain does not verify (${escapeHtml(audit.rows)} rows, ${escapeHtml(audit.checkpoints)} checkpoints). First failure: <code>${escapeHtml(JSON.stringify(audit.firstFailure))}</code></p>`;
    case 'not-checked':
      return `<p class="muted">Not checked: ${escapeHtml(audit.reason)}</p>`;
  }
}

/**
 * The report as one self-contained HTML page: inline CSS, no script, no link, no image, every
 * value escaped. What it shows is the signed JSON's content; the JSON stays the record to verify.
 */
export function renderResidencyReportHtml(
  report: ResidencyReport,
  signature?: { readonly kid: string },
): string {
  const scan = report.clearCardScan;
  const fileBytes = scan.files.reduce((n, f) => n + f.bytes, 0);
  const tableValues = scan.tables.reduce((n, t) => n + t.values, 0);
  const tableBytes = scan.tables.reduce((n, t) => n + t.bytes, 0);
  const verdict = report.verdict.clean
    ? '<p class="verdict clean">Clean: no card number in clear, no card of another region, no broken audit chain.</p>'
    : `<div class="verdict problem"><p>Problems found:</p><ul>${report.verdict.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul></div>`;
  const sections = [
    `<h1>Residency report: region ${escapeHtml(report.region)}</h1>`,
    `<p class="muted">Generated ${escapeHtml(report.generatedAt)} from the ${escapeHtml(report.database.kind)} database <code>${escapeHtml(report.database.name)}</code>, directory serial ${escapeHtml(report.directorySerial)}.${
      signature === undefined
        ? ''
        : ` The JSON of this report is signed by the region (key <code>${escapeHtml(signature.kid)}</code>); check it with <code>domicile residency verify</code>.`
    }</p>`,
    verdict,
    `<h2>Cards held (${report.cards.length})</h2>`,
    table(
      ['last 4', 'token reference', 'state', 'product', 'network', 'account', 'owner region'],
      report.cards.map((c) => [
        c.last4,
        c.tokenRef,
        c.state,
        c.product,
        c.network,
        c.account,
        c.ownerRegion,
      ]),
    ),
    `<p>Vault: ${escapeHtml(report.vault.records)} sealed record(s), ${escapeHtml(report.vault.erased)} erased.</p>`,
    `<h2>Registered accounts (${report.accounts.registered.length})</h2>`,
    table(
      ['account', 'devices', 'created'],
      report.accounts.registered.map((a) => [a.accountId, a.devices, a.createdAt]),
    ),
    `<h2>Guest accounts (${report.accounts.guests.length})</h2>`,
    '<p class="muted">Users of other regions, known here only by their home region’s pseudonym.</p>',
    table(
      ['pseudonym', 'home region', 'devices', 'created'],
      report.accounts.guests.map((g) => [g.pseudonym, g.homeRegion, g.devices, g.createdAt]),
    ),
    '<h2>Redirects to other regions</h2>',
    table(
      ['region', 'accounts', 'pseudonyms'],
      report.redirects.map((r) => [r.region, r.accounts, r.pseudonyms.join(', ')]),
    ),
    '<h2>Scan for card numbers in clear</h2>',
    `<p>Every Luhn-valid run of 13–19 digits was looked for in ${escapeHtml(tableValues)} values (${escapeHtml(tableBytes)} bytes) of ${escapeHtml(scan.tables.length)} tables and in ${escapeHtml(fileBytes)} bytes of ${escapeHtml(scan.files.length)} files. ${escapeHtml(scan.tokenNumbersSkipped)} token number(s) of the directory's token ranges were not counted as card numbers.</p>`,
    `<p>${scan.findings.length === 0 ? 'No card number found in clear.' : `<strong>${escapeHtml(scan.findings.length)} card number(s) found in clear</strong> (last 4 digits and location only):`}</p>`,
    scan.findings.length === 0
      ? ''
      : table(
          ['last 4', 'location'],
          scan.findings.map((f) => [f.last4, f.location]),
        ),
    table(
      ['file', 'bytes'],
      scan.files.map((f) => [f.path, f.bytes]),
    ),
    table(
      ['table', 'rows', 'values', 'bytes'],
      scan.tables.map((t) => [t.table, t.rows, t.values, t.bytes]),
    ),
    '<h2>Audit chain</h2>',
    auditSection(report.auditChain),
    '<h2>Keys</h2>',
    table(
      ['kid', 'purpose', 'store', 'file', 'since', 'age (days)', 'in directory', 'vault records'],
      report.keys.map((k) => [
        k.kid,
        k.purpose,
        k.store,
        k.file,
        k.since,
        k.ageDays,
        k.inDirectory,
        k.vaultRecords,
      ]),
    ),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Residency report: region ${escapeHtml(report.region)}</title>
<style>${STYLE}</style>
</head>
<body>
${sections.join('\n')}
</body>
</html>
`;
}
