export { activateCredential, getScript, listCredentials } from './credential-service.js';
