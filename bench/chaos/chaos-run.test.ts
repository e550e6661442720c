import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runChaos } from './chaos-run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'domicile-chaos-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The short run of `npm run chaos` (issue 14); the note gives the long runs on both databases.
it('keeps every invariant through 10 kills of region processes on SQLite', async () => {
  const report = await runChaos({ dir, database: 'sqlite', kills: 10, gapMs: [200, 800] });
  expect(report.violations, JSON.stringify(report.violations, null, 2)).toEqual([]);
  expect(report.kills).toBe(10);
  // The run did what it claims: flows completed (home and redirected) and payments answered.
  expect(report.completedCards).toBeGreaterThanOrEqual(4);
  expect(report.payments).toBeGreaterThanOrEqual(4);
  // Devices were reported lost, each report crossed to the other region through the outbox, and
  // the devices handled push notifications (card art, script, suspensions).
  expect(report.lostReports).toBeGreaterThanOrEqual(1);
  expect(report.outboxEvents).toBeGreaterThanOrEqual(report.lostReports);
  expect(report.notifications).toBeGreaterThanOrEqual(report.completedCards);
}, 180_000);
