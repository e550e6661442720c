export {
  verifyPushPayload,
  type PushPayloadInput,
  type VerifiedPushPayload,
} from './push-payload.js';
