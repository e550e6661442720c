/** Push payloads: what an issuer's backend makes for "Add to Wallet" in its own app. */
export {
  makePushPayload,
  readPushPayload,
  type MadePushPayload,
  type PushPayloadInput,
} from './make-push-payload.js';
