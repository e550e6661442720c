/**
 * Request limits of one server process, per fixed window: `perAddress` requests from one client
 * address, `perDevice` requests signed by one device key (its DPoP thumbprint, known only once
 * the proof verified, so that no one spends another device's allowance with a forged proof).
 * 0 turns a limit off. Each node counts on its own: a region of n nodes behind a balancer
 * allows up to n times as much.
 */
export interface RateLimitConfig {
  readonly perAddress: number;
  readonly perDevice: number;
  readonly windowMs: number;
}
