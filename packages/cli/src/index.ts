/** @domicile/cli — the command line, and the local deployment it (and the tests) start regions with. */
export { createProgram, runCli } from './program.js';
export {
  CliIo,
  CommandFailed,
  UsageError,
  memoryIo,
  processIo,
  type CliIoParts,
  type ExitCode,
  type MemoryIo,
} from './io/index.js';
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
  readNetworkKey,
  readRegionKeys,
  readRegionsConfig,
  rotateAuthorityKey,
  rotateRegionKeyFile,
  signDeploymentDirectory,
} from './deployment/deployment-files.js';
export {
  auditResidency,
  formatResidencyReport,
  type ResidencyReport,
} from './demo/residency-report.js';
export {
  produceResidencyReport,
  summarizeResidencyReport,
  type ProduceResidencyReportOptions,
} from './commands/residency-commands.js';
export { runDemo, type DemoOptions } from './demo/demo-runner.js';
export {
  readSandboxIssuerKey,
  sandboxIssuerKeyFile,
  sandboxProductIds,
  trustedSandboxIssuer,
  type SandboxIssuerKey,
} from './deployment/sandbox-issuers.js';
export {
  startWalletServer,
  type WalletServer,
  type WalletServerOptions,
} from './wallet-web/index.js';
