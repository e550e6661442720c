export type { KeyProvider } from './key-provider.js';
export { LocalKeyProvider, type LocalKeyProviderOptions } from './local-key-provider.js';
export { Vault, panHashOfRecord, type VaultCard, type VaultOptions } from './vault.js';
export { vaultError, vaultFailureOf, type VaultFailureReason } from './vault-error.js';
export {
  vaultKeksOf,
  withNewVaultKek,
  withTokenVaultKek,
  withoutVaultKek,
  type VaultKek,
  type VaultKekSecrets,
} from './vault-keks.js';
