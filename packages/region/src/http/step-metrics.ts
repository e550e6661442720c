import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';

const PROVISIONING_PREFIX = '/v1/provisioning/:sessionId/';

type Answer = Readonly<Record<string, unknown>>;

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Answer)[key] : undefined;

/** The error code of an error answer (`{ error: { code } }`), else undefined. */
const errorCode = (answer: unknown): string | undefined => {
  const code = field(field(answer, 'error'), 'code');
  return typeof code === 'string' ? code : undefined;
};

/**
 * The outcome of a provisioning step, from its answer: the first message is `redirect` (sent on
 * to the region that owns the card), `home` (a session opened here, the home region) or
 * `redirected` (a session opened here on a redirect from the home region); eligibility answers its
 * decision; a refusal its error code; any other step `ok`.
 */
function provisioningOutcome(request: FastifyRequest, step: string, answer: unknown): string {
  const refused = errorCode(answer);
  if (refused !== undefined) return refused;
  if (step === 'message') {
    if (field(answer, 'outcome') === 'redirect') return 'redirect';
    return field(request.body, 'redirectAssertion') === undefined ? 'home' : 'redirected';
  }
  const decision = field(field(answer, 'session'), 'decision');
  return step === 'eligibility' && typeof decision === 'string' ? decision : 'ok';
}

/**
 * Counts what provisioning and authorization requests decided, read from the answer they send
 * (their routes and services stay as they are): `domicile_provisioning_steps_total{step,outcome}`
 * and `domicile_authorizations_total{decision,reason}`.
 */
export function registerStepMetrics(app: FastifyInstance, registry: Registry): void {
  const steps = new Counter({
    name: 'domicile_provisioning_steps_total',
    help: 'Provisioning steps by step and outcome (redirect, home, redirected; a decision; an error code).',
    labelNames: ['step', 'outcome'],
    registers: [registry],
  });
  const authorizations = new Counter({
    name: 'domicile_authorizations_total',
    help: 'Authorizations by decision and reason; a refused request as decision "error" and its code.',
    labelNames: ['decision', 'reason'],
    registers: [registry],
  });
  // Every answer runs it: `done` rather than async, a promise fewer per request.
  app.addHook('preSerialization', (request, _reply, payload: unknown, done) => {
    countStep(request, payload);
    done(null, payload);
  });

  function countStep(request: FastifyRequest, payload: unknown): void {
    const route = request.routeOptions.url;
    if (request.method !== 'POST' || route === undefined) return;
    if (route === '/v1/provisioning' || route.startsWith(PROVISIONING_PREFIX)) {
      const step =
        route === '/v1/provisioning' ? 'message' : route.slice(PROVISIONING_PREFIX.length);
      steps.inc({ step, outcome: provisioningOutcome(request, step, payload) });
    } else if (route === '/v1/authorizations') {
      const refused = errorCode(payload);
      authorizations.inc({
        decision:
          refused !== undefined
            ? 'error'
            : field(payload, 'approved') === true
              ? 'approved'
              : 'declined',
        reason: refused ?? String(field(payload, 'reason')),
      });
    }
  }
}
