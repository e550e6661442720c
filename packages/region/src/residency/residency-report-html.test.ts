import { describe, expect, it } from 'vitest';
import { renderResidencyReportHtml } from './residency-report-html.js';
import { sampleReport } from './residency.fixtures.js';

describe('residency report HTML', () => {
  it('is one self-contained page: inline style, no script, nothing fetched', () => {
    const html = renderResidencyReportHtml(sampleReport(), { kid: 'kid-1' });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|href=|url\(|@import/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('Residency report: region us');
    expect(html).toContain('tok_1');
    expect(html).toContain('Clean: no card number in clear');
  });

  it('escapes every value taken from the database', () => {
    const hostile = '<script>alert("x")</script><img src=https://evil.example/x>';
    const base = sampleReport();
    const html = renderResidencyReportHtml(
      sampleReport({
        cards: base.cards.map((c) => ({ ...c, product: hostile })),
        accounts: {
          registered: [],
          guests: [{ pseudonym: hostile, homeRegion: 'eu', devices: 1, createdAt: 'x' }],
        },
        clearCardScan: {
          ...base.clearCardScan,
          findings: [{ location: `table:${hostile}.note#1`, last4: '9855' }],
        },
        verdict: { clean: false, problems: [hostile] },
      }),
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('9855');
  });

  it('shows the problems of an unclean report, and an audit chain that failed', () => {
    const html = renderResidencyReportHtml(
      sampleReport({
        auditChain: { status: 'failed', rows: 10, checkpoints: 1, firstFailure: { row: 7 } },
        verdict: { clean: false, problems: ['the audit chain does not verify'] },
      }),
    );
    expect(html).toContain('Problems found');
    expect(html).toContain('The chain does not verify');
    expect(html).toContain('{&quot;row&quot;:7}');
  });
});
