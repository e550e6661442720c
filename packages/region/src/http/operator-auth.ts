import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomicileError } from '@domicile/protocol';
import type { IdempotentOperation } from '../idempotency/index.js';
import type { RegionContext } from '../region-context.js';
import { idempotencyKeyOf } from './device-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on `operator` routes: a short, non-secret label of the operator token used. */
    operator?: string;
  }
}

/** SHA-256 of an operator token, lowercase hex: the form `RegionConfig.operatorTokenHashes` holds. */
export function operatorTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Checks the configured hashes once, at startup: a mistyped one would silently lock an operator out. */
export function checkOperatorTokenHashes(hashes: readonly string[]): readonly string[] {
  const bad = hashes.findIndex((h) => !/^[0-9a-fA-F]{64}$/.test(h));
  if (bad !== -1)
    throw new DomicileError('CONFIG_INVALID', {
      details: { field: `operatorTokenHashes/${bad}`, reason: 'not a SHA-256 in hex' },
    });
  return hashes.map((h) => h.toLowerCase());
}

/**
 * Checks `Authorization: Bearer <token>` against the region's operator token hashes (lowercase hex,
 * as {@link checkOperatorTokenHashes} returns them) and returns
 * the operator's label (the first 12 hex digits of the hash: enough to tell operators apart in
 * the audit log, useless to an attacker). Compared in constant time; a region configured with
 * no hashes accepts no operator at all.
 */
export function verifyOperatorToken(
  hashes: readonly string[],
  authorization: string | undefined,
): string {
  const match = /^Bearer ([\x21-\x7e]{16,512})$/.exec(authorization ?? '');
  if (match?.[1] === undefined) throw new DomicileError('OPERATOR_TOKEN_REQUIRED');
  const presented = Buffer.from(operatorTokenHash(match[1]), 'hex');
  let found: string | undefined;
  for (const hash of hashes) {
    const expected = Buffer.from(hash, 'hex');
    // Every configured hash is compared, so timing does not tell which one (or whether one) matched.
    if (expected.length === presented.length && timingSafeEqual(expected, presented))
      found ??= hash;
  }
  if (found === undefined) throw new DomicileError('OPERATOR_TOKEN_INVALID');
  return found.slice(0, 12);
}

/** onRequest part of `operator` routes: authenticates the operator, and demands an Idempotency-Key on POST. */
export function authenticateOperator(ctx: RegionContext, request: FastifyRequest): void {
  request.operator = verifyOperatorToken(ctx.operatorTokenHashes, request.headers.authorization);
  if (request.method === 'POST') idempotencyKeyOf(request);
}

export function operatorOf(request: FastifyRequest): string {
  if (request.operator === undefined) throw new DomicileError('OPERATOR_TOKEN_REQUIRED');
  return request.operator;
}

/** Runs a state-changing operator request once per Idempotency-Key (keys are scoped to the operator). */
export async function sendOperatorIdempotent(
  ctx: RegionContext,
  request: FastifyRequest,
  reply: FastifyReply,
  operation: IdempotentOperation,
): Promise<FastifyReply> {
  const result = await ctx.idempotency.run(
    {
      scope: `operator:${operatorOf(request)}`,
      key: idempotencyKeyOf(request),
      method: request.method,
      path: request.url,
      body: request.body,
    },
    operation,
  );
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.code(result.status).send(result.body);
}
