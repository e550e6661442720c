export {
  SESSION_LIFETIME_MS,
  advanceSession,
  findSessionProduct,
  idvMethodsColumn,
  insertSessions,
  loadSession,
  productFromSession,
  requireState,
  sessionProduct,
  sessionProductColumn,
  sessionView,
} from './session-store.js';
