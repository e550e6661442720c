import { Type, type Static } from '@sinclair/typebox';

/**
 * Token lifecycle (DESIGN step 8): suspend, resume and delete a credential. Any of three actors
 * may ask — the user from the device, the issuer through the issuer API, the system (a lost
 * device) — and every change reaches the device as a push notification.
 */

export const LifecycleAction = Type.Union([
  Type.Literal('suspend'),
  Type.Literal('resume'),
  Type.Literal('delete'),
]);

/**
 * Who changed the state. Authority rises from device to system to issuer: a token is resumed
 * only by an actor at least as strong as the one that suspended it, so a stolen device cannot
 * undo what a lost-device report or the issuer did.
 */
export const LifecycleActor = Type.Union([
  Type.Literal('device'),
  Type.Literal('system'),
  Type.Literal('issuer'),
]);

/**
 * Why: a short code, not free text, so nothing a user or an issuer types (a card number, say)
 * ends up in notifications, webhooks or logs. Usual values: `user_request`, `device_lost`,
 * `device_found`, `fraud_suspected`, `card_replaced`, `account_closed`.
 */
export const LifecycleReason = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' });

/** The state a resumed credential returns to: the one it had when it was suspended. */
export const ResumedState = Type.Union([
  Type.Literal('active'),
  Type.Literal('pending_activation'),
]);

/**
 * `POST /v1/credentials/{tokenRef}/suspend|resume|delete` (device, DPoP, Idempotency-Key). The
 * reason defaults to `user_request`. Answers `CredentialResponse`.
 */
export const CredentialLifecycleRequest = Type.Object(
  {
    reason: Type.Optional(LifecycleReason),
  },
  { additionalProperties: false },
);

/** The card art of a product as an issuer sets it: two colours and the label printed on the card. */
export const CardArtSpec = Type.Object(
  {
    background: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }),
    foreground: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }),
    label: Type.String({ minLength: 1, maxLength: 80 }),
  },
  { additionalProperties: false },
);

export type LifecycleAction = Static<typeof LifecycleAction>;
export type LifecycleActor = Static<typeof LifecycleActor>;
export type LifecycleReason = Static<typeof LifecycleReason>;
export type ResumedState = Static<typeof ResumedState>;
export type CredentialLifecycleRequest = Static<typeof CredentialLifecycleRequest>;
export type CardArtSpec = Static<typeof CardArtSpec>;
