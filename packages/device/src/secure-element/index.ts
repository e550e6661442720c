export { Applet, type AppletView, type ApplicationCryptogram } from './applet.js';
export { SecureElement, type DpopSigner, type ExpectedCredential } from './secure-element.js';
export { generateDeviceKeys, importDeviceKeys, type DeviceKeys } from './device-keys.js';
export {
  AppletLifecycle,
  AppletState,
  CardArt,
  PrivateJwkSchema,
  SecureElementState,
} from './secure-element-state.js';
