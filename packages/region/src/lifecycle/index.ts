export {
  applyCredentialStateChange,
  changeCredentialState,
  wakeAfterStateChange,
  type AppliedStateChange,
  type CredentialStateChange,
  type CredentialStateResult,
} from './change-credential-state.js';
export { changeStateFromDevice } from './device-lifecycle.js';
export { changeStateAsIssuer, issuerCredentialView } from './issuer-lifecycle.js';
export { updateProductArt } from './product-art.js';
export { loadLifecycle, productIdOf, recordTokenCreated } from './credential-lifecycle-store.js';
export { planTransition, type LifecycleSnapshot, type Transition } from './lifecycle-rules.js';
