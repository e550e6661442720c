export {
  consoleCookieName,
  CONSOLE_CSP,
  consoleRoutes,
  type ConsoleRoutesOptions,
} from './console-routes.js';
export {
  DEFAULT_CONSOLE_SESSION_POLICY,
  csrfTokenOf,
  type ConsoleSessionPolicy,
} from './console-session-store.js';
export { escapeHtml, html, maskTokenNumber } from './console-html.js';
