/** The console's one stylesheet, served from its own origin (the CSP allows no inline style). */
export const CONSOLE_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --bad: #b42318; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f8fa; }
header { background: #0d1b2a; color: #fff; padding: 0.6rem 1.25rem; }
header .brand { margin: 0 0 0.4rem; }
nav { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0; padding: 0; }
nav a { color: #cfe3ff; text-decoration: none; padding: 0.15rem 0.3rem; border-radius: 3px; }
nav a[aria-current="page"] { color: #fff; text-decoration: underline; text-underline-offset: 4px; }
nav .sign-out { margin-left: auto; display: flex; gap: 0.5rem; align-items: center; }
main { padding: 1rem 1.25rem 2rem; max-width: 72rem; }
h1 { font-size: 1.4rem; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
section { margin-bottom: 1.25rem; }
table { border-collapse: collapse; background: #fff; margin: 0.25rem 0 1rem; min-width: 20rem; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
td:has(> .num) { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(24rem, 1fr)); gap: 0 1.5rem; }
.grid table { width: 100%; }
td.empty { color: var(--muted); font-style: italic; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; }
.ok { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.notice { padding: 0.6rem 0.8rem; border-left: 4px solid var(--accent); background: #fff; }
.error { padding: 0.6rem 0.8rem; border-left: 4px solid var(--bad); background: #fff; }
form.stacked { display: grid; gap: 0.5rem; max-width: 26rem; background: #fff; padding: 1rem; border: 1px solid var(--line); }
label { font-weight: 600; }
input[type="text"], input[type="password"] { font: inherit; padding: 0.4rem; border: 1px solid #8c959f; border-radius: 3px; }
button { font: inherit; padding: 0.35rem 0.9rem; border-radius: 3px; border: 1px solid #1f2328; background: #fff; cursor: pointer; }
form.stacked button { justify-self: start; background: var(--accent); color: #fff; border-color: var(--accent); }
.pager { display: flex; gap: 1rem; }
.skip { position: absolute; left: -10000px; }
.skip:focus { position: static; display: inline-block; padding: 0.3rem; background: #fff; color: var(--ink); }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
`;
