import { Type, type Static } from '@sinclair/typebox';

/**
 * `GET /v1/sandbox/outbox` — what the sandbox issuer "sent" (one-time codes), newest first.
 * Served only by a region whose issuer gateway is the sandbox.
 */
export const SandboxOutboxResponse = Type.Object({
  messages: Type.Array(
    Type.Object({
      id: Type.Integer(),
      channel: Type.Union([Type.Literal('sms'), Type.Literal('email'), Type.Literal('app')]),
      target: Type.String(),
      last4: Type.String(),
      code: Type.String(),
      createdAt: Type.String(),
    }),
  ),
});

export type SandboxOutboxResponse = Static<typeof SandboxOutboxResponse>;
