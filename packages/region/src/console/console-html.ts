/** Markup that is already safe: made only by {@link html}, never from a value. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'bigint' || value === true)
    return escapeHtml(String(value));
  // Nothing else has a text a page should show (null, undefined, false: nothing at all).
  return '';
}

/**
 * A template tag: every value is escaped unless it is {@link Html} (made by this tag), so a page
 * can only show what the database holds as text, never run it.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** A token number as the console shows it: the last 4 digits only. */
export function maskTokenNumber(tokenNumber: string): string {
  return `•••• ${tokenNumber.slice(-4)}`;
}

/** A table with a caption (its accessible name), a header row and rows of cells. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly unknown[][],
): Html {
  const body =
    rows.length === 0
      ? html`<tr>
          <td colspan="${headers.length}" class="empty">None.</td>
        </tr>`
      : rows.map(
          (cells) =>
            html`<tr>
              ${cells.map((c) => html`<td>${c}</td>`)}
            </tr>`,
        );
  return html`<table>
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        ${headers.map((h) => html`<th scope="col">${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${body}
    </tbody>
  </table>`;
}

/** The console's pages, in the order of its navigation. */
export const NAV = [
  ['/console', 'Overview'],
  ['/console/lost-devices', 'Lost devices'],
  ['/console/audit', 'Audit log'],
  ['/console/residency', 'Residency'],
  ['/console/credentials', 'Credentials'],
] as const;

/** What every page shows around its content. */
export interface PageFrame {
  readonly region: string;
  readonly title: string;
  /** The path of the navigation entry to mark current. */
  readonly current?: string;
  /** Given when signed in: the navigation and the sign-out form (with its CSRF token). */
  readonly session?: { readonly operator: string; readonly csrf: string };
}

/** A whole page: no script, one stylesheet from this origin (the CSP allows nothing else). */
export function page(frame: PageFrame, content: Html): string {
  const nav =
    frame.session === undefined
      ? ''
      : html`<nav aria-label="Console">
          <ul>
            ${NAV.map(
              ([href, label]) =>
                html`<li>
                  <a
                    href="${href}"
                    ${frame.current === href ? new Html(' aria-current="page"') : ''}
                    >${label}</a
                  >
                </li>`,
            )}
          </ul>
          <form method="post" action="/console/sign-out" class="sign-out">
            <input type="hidden" name="csrf" value="${frame.session.csrf}" />
            <span>Operator <code>${frame.session.operator}</code></span>
            <button type="submit">Sign out</button>
          </form>
        </nav>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${frame.title} · Domicile ${frame.region}</title>
        <link rel="stylesheet" href="/console/console.css" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <p class="brand">Domicile operator console · region <strong>${frame.region}</strong></p>
          ${nav}
        </header>
        <main id="main">
          <h1>${frame.title}</h1>
          ${content}
        </main>
      </body>
    </html> `.text;
}
