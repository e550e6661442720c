import {
  isFigure,
  type BenchReport,
  type Figure,
  type TargetResult,
  type Unmeasured,
} from './report.js';
import type { Spread } from './stats.js';

const NAME = 50;
const THROUGHPUT = 32;
const LATENCY = 20;
const UNITS: Readonly<Record<string, string>> = {
  'authorizations/s': 'auth/s',
  'requests/s': 'req/s',
};

/** The report as a terminal table: figures (median [min–max] over the rounds), then the targets. */
export function formatReport(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    `Domicile benchmark — ${report.mode} run, ${report.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, Node ${machine.node}, ${machine.cpu} (${machine.cores} cores)`,
    `${report.settings.concurrency} operations in flight; median [min–max] of ${report.settings.provisioning.rounds} rounds after a warm-up;`,
    'CPU ms per operation: of the load generator (gen) and of each server process (us, cn, the router, the ceilings, postgres: the backends of its databases and the server’s background processes), over the rounds',
    'the crypto floors and scenarios 1 and 2 ran in one load run, rounds alternating, and so did the two scale points (each a region of its own, both up at once); a ratio of two figures of one load run is the median of the per-round ratios',
    '',
    `${'figure'.padEnd(NAME)}${'throughput'.padEnd(THROUGHPUT)}${'p50 ms'.padEnd(LATENCY)}${'p99 ms'.padEnd(LATENCY)}CPU ms per operation`,
    section('Baselines'),
    row('crypto floor, home flow (in process)', report.baselines.cryptoFloorHome),
    row('crypto floor, redirected flow (in process)', report.baselines.cryptoFloorRedirected),
    row('primitive floor, home flow (in process)', report.baselines.primitiveFloorHome),
    row('primitive floor, redirected flow', report.baselines.primitiveFloorRedirected),
    row('primitive floor, authorization', report.baselines.primitiveFloorAuthorization),
    row('HTTP ceiling (bare fastify)', report.baselines.httpCeiling),
    row('signed-commit ceiling (verify + commit)', report.baselines.signedCommitCeiling),
    section('Scenarios'),
    row(
      `1. provisioning, home card (${report.scale.small.seededTokens} tokens)`,
      report.scenarios.provisioningHome,
    ),
    row('2. provisioning, redirected card', report.scenarios.provisioningRedirected),
    row('3. authorization, region endpoint', report.scenarios.authorizationRegion),
    row('   authorization, through the network router', report.scenarios.authorizationRouter),
    row('   authorization, region, at 70%', report.scenarios.authorizationAt70),
    section('Scale'),
    row(
      `4. provisioning, ${report.scale.small.seededTokens} tokens`,
      report.scale.small.provisioning,
    ),
    row(
      `   provisioning, ${report.scale.large.seededTokens} tokens`,
      report.scale.large.provisioning,
    ),
    row(
      `   authorization, ${report.scale.small.seededTokens} tokens`,
      report.scale.small.authorization,
    ),
    row(
      `   authorization, ${report.scale.large.seededTokens} tokens`,
      report.scale.large.authorization,
    ),
    `${'   region peak resident memory'.padEnd(NAME)}${mib(report.scale.small.peakRssMb)} with ${report.scale.small.seededTokens} tokens, ${mib(report.scale.large.peakRssMb)} with ${report.scale.large.seededTokens} (seeded in ${report.scale.large.seedSeconds} s)`,
    ...keyProviderRows(report),
    section('Targets'),
    ...report.targets.map(targetLine),
  ];
  if (report.notes.length > 0) lines.push('', ...report.notes.map((n) => `note: ${n}`));
  return `${lines.join('\n')}\n`;
}

/** File keys beside PKCS#11 keys: the same scenarios, figures and no targets. */
function keyProviderRows(report: BenchReport): string[] {
  const hsm = report.keyProviders?.hsm;
  if (hsm === undefined) return [];
  const title = section(
    'Key providers: file keys beside every region key in SoftHSM2 (figures, not targets)',
  );
  if (!('provisioningHome' in hsm))
    return [title, `${'   HSM keys'.padEnd(NAME)}not measured: ${hsm.unmeasured}`];
  return [
    title,
    row('   provisioning, home card, file keys', report.scenarios.provisioningHome),
    row('   provisioning, home card, HSM keys', hsm.provisioningHome),
    row('   provisioning, redirected card, file keys', report.scenarios.provisioningRedirected),
    row('   provisioning, redirected card, HSM keys', hsm.provisioningRedirected),
    row('   authorization, region, file keys', report.scenarios.authorizationRegion),
    row('   authorization, region, HSM keys', hsm.authorizationRegion),
  ];
}

function section(title: string): string {
  return `\n${title}`;
}

function row(name: string, figure: Figure | Unmeasured): string {
  if (!isFigure(figure)) return `${name.padEnd(NAME)}not measured: ${figure.unmeasured}`;
  const errors =
    figure.errors === 0 ? '' : `  (${figure.errors} failed: ${figure.firstError ?? '?'})`;
  const label = figure.rate === undefined ? name : `${name} (${num(figure.rate)}/s offered)`;
  const cpu = Object.entries(figure.cpuMsPerOperation)
    .map(
      ([who, ms]) =>
        `${who.replace(/^(region|network) /, '').replace('load generator', 'gen')} ${num(ms)}`,
    )
    .join(' · ');
  return (
    `${label.padEnd(NAME)}${`${fmt(figure.throughput)} ${UNITS[figure.unit] ?? figure.unit}`.padEnd(THROUGHPUT)}` +
    `${fmt(figure.p50Ms).padEnd(LATENCY)}${fmt(figure.p99Ms).padEnd(LATENCY)}${cpu}${errors}`
  );
}

function fmt(s: Spread): string {
  return `${num(s.median)} [${num(s.min)}–${num(s.max)}]`;
}

function num(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function mib(value: number | null): string {
  return value === null ? 'unknown' : `${value} MiB`;
}

function targetLine(t: TargetResult): string {
  const mark = t.met === null ? '?' : t.met ? '✓' : '✗';
  const value =
    t.value === null
      ? 'not measured'
      : t.unit === 'ratio'
        ? `${(t.value * 100).toFixed(1)}%`
        : t.unit === 'multiple'
          ? `${t.value.toFixed(2)}×`
          : `${t.value} ${t.unit}`;
  const limit =
    t.unit === 'ratio'
      ? `${(t.limit * 100).toFixed(0)}%`
      : t.unit === 'multiple'
        ? `${t.limit}×`
        : `${t.limit} ${t.unit}`;
  const verdict = t.met === null ? 'not judged' : t.met ? 'met' : 'MISSED';
  return `${mark} ${t.description.padEnd(72)} ${value.padEnd(12)} (target ${t.comparison} ${limit}) ${verdict}`;
}

/**
 * One figure as a row of `console.table`, for the one-part tools (`bench/*-only.ts`): medians of
 * the rounds, and each process's CPU per operation (`per` names the operation).
 */
export function consoleRow(
  figure: Figure,
  unit: string,
  per: string,
  digits: number,
): Record<string, unknown> {
  return {
    [`${unit} (median)`]: figure.throughput.median.toFixed(digits),
    'p50 ms (median)': figure.p50Ms.median.toFixed(1),
    'p99 ms (median)': figure.p99Ms.median.toFixed(1),
    ...Object.fromEntries(
      Object.entries(figure.cpuMsPerOperation).map(([who, ms]) => [`${who} CPU ms/${per}`, ms]),
    ),
    errors: figure.errors,
  };
}
