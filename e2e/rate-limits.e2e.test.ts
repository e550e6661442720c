import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../bench/service-process.js';
import {
  addGreenCard,
  createRegionProcessDeployment,
  type RegionProcessDeployment,
} from './testing/region-process.js';

/**
 * `region serve` limits requests per device key and per client address, on by default; here
 * low enough that one provisioning (a dozen requests, two allowed per window) crosses the device limit, so the wallet must wait out each
 * 429 by its `Retry-After` and carry on.
 */
describe('rate limits of a region serve process, on loopback', () => {
  let deployment: RegionProcessDeployment;
  let region: ServiceProcess | undefined;

  beforeAll(async () => {
    deployment = await createRegionProcessDeployment();
    region = await deployment.startRegion({
      region: 'us',
      databaseUrl: deployment.sqliteUrl('us'),
      args: [
        ...['--rate-limit-per-device', '2'],
        ...['--rate-limit-per-address', '60'],
        ...['--rate-limit-window-ms', '4000'],
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await region?.stop();
    await deployment.cleanup();
  });

  it('the wallet waits out each 429 by its Retry-After and provisions the card', async () => {
    const wallet = await deployment.registeredWallet('us', 'limited');
    const card = await addGreenCard(wallet, 'us');
    expect(card.state).toBe('active');
    const log = (await readFile(deployment.logFile('us'), 'utf8')).split('\n');
    const answered = log.filter((line) => line.includes('"msg":"request completed"'));
    const refused = answered.filter((line) => line.includes('"statusCode":429'));
    // A dozen requests, two allowed per window: some were refused, and each was retried.
    expect(answered.length).toBeGreaterThan(10);
    expect(refused.length).toBeGreaterThan(0);
    expect(log.some((line) => line.includes('"code":"RATE_LIMITED"'))).toBe(true);
  }, 180_000);

  it('answers one client address past its limit with 429, Retry-After and RATE_LIMITED', async () => {
    const url = `${deployment.baseUrl('us')}/v1/directory`;
    let refused: Response | undefined;
    // However slow the machine, the 61st request of one window is refused; a new window may
    // begin while counting, so keep asking until one is.
    for (let i = 0; i < 10_000 && refused === undefined; i++) {
      const res = await fetch(url);
      if (res.status === 429) refused = res;
      else await res.body?.cancel();
    }
    expect(refused?.status).toBe(429);
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(4);
    expect(await refused?.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', details: { limit: 'address', retryAfterSeconds: retryAfter } },
    });
  }, 120_000);
});
