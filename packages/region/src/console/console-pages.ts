import type { api } from '@domicile/protocol';
import type {
  AuditPage,
  ConsoleOverview,
  CredentialHistory,
  ResidencyMap,
} from './console-data.js';
import { html, maskTokenNumber, table, type Html } from './console-html.js';

const num = (n: number): Html => html`<span class="num">${n}</span>`;
const seconds = (s: number): string => (s === 0 ? '—' : `${Math.round(s)} s`);

/** The sign-in form; `refused` shows the one message every refusal gets. */
export function signInContent(
  refused: 'refused' | 'rate_limited' | 'signed_out' | undefined,
): Html {
  const notice =
    refused === 'refused'
      ? html`<p class="error" role="alert">Sign-in failed.</p>`
      : refused === 'rate_limited'
        ? html`<p class="error" role="alert">
            Too many sign-in attempts: wait a minute and try again.
          </p>`
        : refused === 'signed_out'
          ? html`<p class="notice" role="status">Signed out.</p>`
          : '';
  return html`${notice}
    <form method="post" action="/console/sign-in" class="stacked">
      <label for="token">Operator token</label>
      <input id="token" name="token" type="password" autocomplete="off" required maxlength="512" />
      <button type="submit">Sign in</button>
    </form>
    <p>Operator tokens are made with <code>domicile operator token create</code>.</p>`;
}

export function overviewContent(o: ConsoleOverview): Html {
  const f = o.funnel;
  return html`<div class="grid">
    <section aria-labelledby="tokens">
      <h2 id="tokens">Tokens by state and product</h2>
      ${table(
        'Tokens',
        ['State', 'Product', 'Tokens'],
        o.tokens.map((t) => [t.state, t.product, num(t.count)]),
      )}
    </section>
    <section aria-labelledby="funnel">
      <h2 id="funnel">Provisioning today (UTC)</h2>
      ${table(
        'Provisioning funnel',
        ['Stage', 'Count'],
        [
          ['Provisioning messages', num(f.messages)],
          ['Redirects issued', num(f.redirectsIssued)],
          ['Redirects accepted', num(f.redirectsAccepted)],
          ['Decisions green', num(f.decisions.green)],
          ['Decisions yellow', num(f.decisions.yellow)],
          ['Decisions red', num(f.decisions.red)],
          ['Codes sent', num(f.codesSent)],
          ['Codes verified', num(f.codesVerified)],
          ['Tokens made', num(f.tokensMade)],
        ],
      )}
    </section>
    <section aria-labelledby="authorizations">
      <h2 id="authorizations">Authorizations today (UTC)</h2>
      ${table(
        'Authorizations by decision and reason',
        ['Decision', 'Reason', 'Count'],
        o.authorizations.map((a) => [a.decision, a.reason, num(a.count)]),
      )}
    </section>
    <section aria-labelledby="queues">
      <h2 id="queues">Queues</h2>
      ${table(
        'Queues',
        ['Queue', 'Waiting', 'Oldest', 'Failing'],
        o.queues.map((q) => [q.queue, num(q.depth), seconds(q.oldestAgeSeconds), num(q.failing)]),
      )}
    </section>
    <section aria-labelledby="vault">
      <h2 id="vault">Vault</h2>
      ${table(
        'Live vault records by key-encryption key',
        ['KEK', 'Records'],
        o.vault.byKek.map((k) => [
          k.kekId === o.vault.currentKekId ? html`${k.kekId} (current)` : k.kekId,
          num(k.records),
        ]),
      )}
      <p>Records still to re-wrap to the current KEK: ${num(o.vault.remaining)}</p>
    </section>
  </div>`;
}

function reportTable(report: api.LostReportView): Html {
  return table(
    `Report ${report.reportId}: device ${report.deviceId}, by ${report.reportedBy} at ${report.reportedAt}`,
    ['Region', 'Status', 'Attempts', 'Suspended', 'Last error'],
    [
      [html`${report.home.region} (home)`, 'confirmed', num(0), num(report.home.suspended), ''],
      ...report.regions.map((r) => [
        r.region,
        html`<span class="${r.status === 'confirmed' ? 'ok' : r.status === 'failing' ? 'bad' : ''}"
          >${r.status}</span
        >`,
        num(r.attempts),
        r.suspended === undefined ? '' : num(r.suspended),
        r.lastError ?? '',
      ]),
    ],
  );
}

export function lostDevicesContent(reports: readonly api.LostReportView[], csrf: string): Html {
  return html`<section aria-labelledby="report">
      <h2 id="report">Report a device lost</h2>
      <p>Its tokens are suspended here at once, and in every other region by signed requests.</p>
      <form method="post" action="/console/lost-devices" class="stacked">
        <input type="hidden" name="csrf" value="${csrf}" />
        <label for="deviceId">Device id</label>
        <input
          id="deviceId"
          name="deviceId"
          type="text"
          required
          maxlength="64"
          autocomplete="off"
          spellcheck="false"
        />
        <button type="submit">Report lost</button>
      </form>
    </section>
    <section aria-labelledby="reports">
      <h2 id="reports">Latest reports</h2>
      ${
        reports.length === 0
          ? html`<p>No device has been reported lost here.</p>`
          : reports.map(
              (r) =>
                html`<p>
                    <a href="/console/lost-devices/${r.reportId}">Report ${r.reportId}</a>:
                    ${r.complete ? 'every region confirmed' : 'waiting for regions'}
                  </p>
                  ${reportTable(r)}`,
            )
      }
    </section>`;
}

export function lostReportContent(report: api.LostReportView): Html {
  return html`<p>
      ${report.complete ? html`<span class="ok">Every region confirmed.</span>` : 'Waiting for regions to confirm; reload to follow.'}
    </p>
    ${reportTable(report)}
    <p><a href="/console/lost-devices">All lost-device reports</a></p>`;
}

export function auditContent(a: AuditPage): Html {
  const c = a.chain;
  const status = c.ok
    ? html`<p class="ok" role="status">
        Chain verified: ${c.rows} rows, ${c.checkpointsVerified} of ${c.checkpoints} checkpoints;
        ${c.unsignedRows} rows after the last checkpoint.
      </p>`
    : html`<p class="bad" role="alert">
        Chain does not verify: ${c.firstFailure?.reason ?? 'unknown'} at seq
        ${c.firstFailure?.seq ?? '?'}.
      </p>`;
  const pager = html`<nav aria-label="Audit pages" class="pager">
    ${a.page > 1 ? html`<a href="/console/audit?page=${a.page - 1}">Newer</a>` : ''}
    <span>Page ${a.page} of ${a.pages}</span>
    ${a.page < a.pages ? html`<a href="/console/audit?page=${a.page + 1}">Older</a>` : ''}
  </nav>`;
  return html`${status} ${pager}
  ${table(
    'Audit log, newest first',
    ['Seq', 'At', 'Actor', 'Action', 'Subject', 'Detail'],
    a.rows.map((r) => [
      r.seq ?? '—',
      r.at,
      r.actor,
      r.action,
      r.subject,
      html`<code>${r.detail}</code>`,
    ]),
  )}
  ${pager}`;
}

export function residencyContent(m: ResidencyMap, self: string): Html {
  return html`<p>
      Regions that may hold cards of accounts whose home is ${self}, from its residency index:
      counts and pseudonyms only.
    </p>
    ${table(
      'Accounts by region',
      ['Region', 'Accounts'],
      m.regions.map((r) => [r.region, num(r.accounts)]),
    )}
    ${m.regions.map((r) =>
      table(
        `Pseudonyms in ${r.region} (newest ${r.pseudonyms.length} of ${r.accounts})`,
        ['Pseudonym'],
        r.pseudonyms.map((p) => [html`<code>${p}</code>`]),
      ),
    )}`;
}

export function credentialLookupContent(notFound: boolean): Html {
  return html`${notFound ? html`<p class="error" role="alert">No credential with this token reference in this region.</p>` : ''}
    <form method="get" action="/console/credentials" class="stacked">
      <label for="tokenRef">Token reference</label>
      <input
        id="tokenRef"
        name="tokenRef"
        type="text"
        required
        maxlength="64"
        autocomplete="off"
        spellcheck="false"
      />
      <button type="submit">Show history</button>
    </form>`;
}

export function credentialContent(c: CredentialHistory): Html {
  return html`${table(
    'Credential',
    [
      'Token reference',
      'Token',
      'State',
      'Network',
      'Product',
      'Suspended by',
      'Device',
      'Created',
      'Updated',
    ],
    [
      [
        html`<code>${c.tokenRef}</code>`,
        maskTokenNumber(c.tokenLast4),
        c.state,
        c.network,
        c.product ?? '',
        c.suspendedBy ?? '',
        html`<code>${c.deviceId}</code>`,
        c.createdAt,
        c.updatedAt,
      ],
    ],
  )}
  ${table(
    'Lifecycle (audit log), newest first',
    ['At', 'Actor', 'Action', 'Detail'],
    c.lifecycle.map((r) => [r.at, r.actor, r.action, html`<code>${r.detail}</code>`]),
  )}
  ${table(
    'Push notifications to the device, newest first',
    ['Id', 'Type', 'At'],
    c.notifications.map((n) => [num(n.id), n.type, n.at]),
  )}
  ${table(
    'Issuer webhooks, newest first',
    ['Event', 'Type', 'Attempts', 'Delivered', 'Last error', 'Queued'],
    c.webhooks.map((w) => [
      html`<code>${w.eventId}</code>`,
      w.type,
      num(w.attempts),
      w.deliveredAt ?? 'not yet',
      w.lastError ?? '',
      w.at,
    ]),
  )}`;
}

/** A refusal or failure page: the error's fixed message only. */
export function errorContent(message: string, signInAgain: boolean): Html {
  return html`<p class="error" role="alert">${message}</p>
    ${signInAgain ? html`<p><a href="/console/sign-in">Sign in</a></p>` : html`<p><a href="/console">Back to the overview</a></p>`}`;
}
