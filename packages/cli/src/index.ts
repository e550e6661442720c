/** @domicile/cli — the command line, and the local deployment it (and the tests) start regions with. */
export { createProgram } from './program.js';
export {
  freePorts,
  startLocalDeployment,
  type LocalDeployment,
  type LocalDeploymentOptions,
} from './deployment/local-deployment.js';
export {
  generateKeys,
  paths,
  readAuthorityPublicKey,
  readDirectory,
  readRegionKeys,
  readRegionsConfig,
  signDeploymentDirectory,
} from './deployment/deployment-files.js';
export { readNetworkKey } from './deployment/deployment-files.js';
export {
  auditResidency,
  formatResidencyReport,
  type ResidencyReport,
} from './demo/residency-report.js';
export { runDemo, type DemoOptions } from './demo/demo-runner.js';
export { SupportClient, formatLostReport, type SupportClientOptions } from './support/index.js';
export { IssuerApiClient, type IssuerApiClientOptions } from './issuer/index.js';
export {
  readSandboxIssuerKey,
  sandboxIssuerKeyFile,
  sandboxProductIds,
  trustedSandboxIssuer,
  type SandboxIssuerKey,
} from './deployment/sandbox-issuers.js';
