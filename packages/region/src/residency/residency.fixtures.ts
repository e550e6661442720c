import { RESIDENCY_REPORT_FORMAT, type ResidencyReport } from './residency-report.js';

/** A small report as `buildResidencyReport` makes them, for tests of what reads one. */
export function sampleReport(overrides: Partial<ResidencyReport> = {}): ResidencyReport {
  return {
    format: RESIDENCY_REPORT_FORMAT,
    region: 'us',
    generatedAt: '2026-12-01T04:00:00.000Z',
    directorySerial: 1,
    database: { kind: 'sqlite', name: '/srv/domicile/us.db' },
    cards: [
      {
        tokenRef: 'tok_1',
        last4: '1111',
        network: 'visa',
        state: 'active',
        product: 'sandbox-visa-classic',
        account: 'registered',
        ownerRegion: 'us',
      },
    ],
    vault: { records: 1, erased: 0 },
    accounts: {
      registered: [{ accountId: 'acc_1', devices: 1, createdAt: '2026-12-01T03:00:00.000Z' }],
      guests: [],
    },
    redirects: [{ region: 'cn', accounts: 1, pseudonyms: ['pseudo-1'] }],
    clearCardScan: {
      files: [{ path: '/srv/domicile/us.log', bytes: 1200 }],
      tables: [{ table: 'credentials', rows: 1, values: 18, bytes: 700 }],
      tokenNumbersSkipped: 1,
      findings: [],
    },
    auditChain: { status: 'not-checked', reason: 'no verifier' },
    keys: [
      {
        kid: 'kid-1',
        purpose: 'signing',
        store: 'file',
        file: '/srv/domicile/keys/us.keys.json',
        since: '2026-11-01T00:00:00.000Z',
        ageDays: 30,
        inDirectory: true,
      },
    ],
    verdict: { clean: true, problems: [] },
    ...overrides,
  };
}
