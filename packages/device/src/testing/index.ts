/**
 * Test helpers of the device SDK for other workspaces' tests (`@domicile/device/testing`): a
 * wallet on a fake region and network. Not part of the SDK's API.
 */
export { CARDS, PASSPHRASE, makeWalletFixture, type WalletFixture } from './wallet-fixture.js';
