export { newId } from './new-id.js';
export { newRequestId, requestIdOf } from './new-request-id.js';
