import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../http-client.js';
import { SignedCommitWorkload } from '../workloads/signed-commit-workload.js';
import {
  startSignedCommitCeiling,
  type SignedCommitCeiling,
} from './signed-commit-ceiling-process.js';

// The ceiling is a baseline only if it really does the work it stands for: a wrong signature and
// a replayed jti must be refused, or a "faster than the region" figure would mean nothing.
describe.each(['sqlite', 'postgres'] as const)('signed-commit ceiling on %s', (database) => {
  let dir: string;
  let ceiling: SignedCommitCeiling;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'domicile-ceiling-'));
    ceiling = await startSignedCommitCeiling(database, dir);
  });
  afterAll(async () => {
    await ceiling.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('commits a signed request once, refuses its replay and a forged signature', async () => {
    const other = new SignedCommitWorkload(ceiling);
    await other.prepareBatch(0, 1);
    const sent = await sendTwice(ceiling.url, other);
    expect(sent).toEqual([200, 409]);

    const forged = await httpRequest(ceiling.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jws: 'eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.AAAA' }),
    });
    expect(forged.status).toBe(401);
  });
});

/** Sends the body prepared for operation 0 twice; returns the two statuses. */
async function sendTwice(url: string, workload: SignedCommitWorkload): Promise<number[]> {
  const body = workload.preparedBody(0);
  const statuses: number[] = [];
  for (let i = 0; i < 2; i++) {
    const answer = await httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    statuses.push(answer.status);
  }
  return statuses;
}
