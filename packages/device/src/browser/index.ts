/**
 * @domicile/device/browser — the wallet SDK for a web page: the same `Wallet`, its device keys
 * generated non-extractable by WebCrypto and kept with its state in IndexedDB. Nothing here (or
 * below it, in a bundle built for the browser) imports a `node:` module.
 */
export {
  DEFAULT_WALLET_DATABASE,
  createBrowserWallet,
  deleteBrowserWallet,
  openBrowserWallet,
  type CreateBrowserWalletOptions,
  type OpenBrowserWalletOptions,
} from './browser-wallet.js';
export { Wallet } from '../wallet.js';
export type { AddCardOptions, WalletRuntimeOptions } from '../wallet-options.js';
export type { FollowOptions, HandledNotification } from '../wallet-notifications.js';
export type { NotificationOutcome } from '../credential-completion.js';
export type {
  AddCardHooks,
  IdvContext,
  ProvisioningStep,
  ProvisioningStepName,
} from '../provisioning-steps.js';
export { describeStep } from '../step-narration.js';
export { networkOf, parseCardInput, type CardInput } from '../card-input.js';
export type { PayOptions } from '../payment.js';
export type { WalletAccount } from '../wallet-state.js';
export type { AppletView, CardArt } from '../secure-element/index.js';
