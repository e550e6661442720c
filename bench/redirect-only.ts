/**
 * The redirect step alone, against a home session open: the provisioning message a device sends
 * its home region for another region's card, the redirect checked, and the same message with the
 * assertion to the owning region — beside the same message for a home card, which opens a
 * session at once. Reports the CPU time of each region process per message, so that a change of
 * the redirect's cost shows without the rest of the flow (eligibility to activation, the same for
 * both) around it. Rounds alternate; devices are registered before any round.
 *
 *   npm run build && npx tsx --conditions=@domicile/source bench/redirect-only.ts [--db sqlite|postgres] [--rounds 4] [--per-round 200] [--concurrency 4]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RegionClient, SecureElement, checkRedirect } from '@domicile/device';
import {
  last4Of,
  routingPrefixOf,
  verifyDirectory,
  type Directory,
  type api,
} from '@domicile/protocol';
import { TEST_CARDS } from '@domicile/region';
import { paths, readAuthorityPublicKey } from '@domicile/cli';
import { createBenchDeployment } from './bench-deployment.js';
import { benchFetch } from './http-client.js';
import type { ServiceProcess } from './service-process.js';
import { forEachConcurrently } from './workloads/workload.js';

const HOME = 'us';
const FOREIGN = 'cn';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '4' },
    'per-round': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4' },
  },
});
const database = values.db === 'postgres' ? 'postgres' : 'sqlite';
const rounds = Number(values.rounds);
const perRound = Number(values['per-round']);
const concurrency = Number(values.concurrency);

interface Device {
  readonly se: SecureElement;
  readonly home: RegionClient;
}

function cardOf(region: string): { routingPrefix: string; last4: string } {
  const card = TEST_CARDS.find((c) => c.region === region && c.outcome === 'green');
  if (card === undefined) throw new Error(`no green test card in ${region}`);
  return { routingPrefix: routingPrefixOf(card.pan), last4: last4Of(card.pan) };
}

const dir = await mkdtemp(join(tmpdir(), 'domicile-redirect-'));
const deployment = await createBenchDeployment({ dir, database });
try {
  const home = await deployment.startRegion(HOME);
  const foreign = await deployment.startRegion(FOREIGN);
  const directory: Directory = await verifyDirectory(
    deployment.info.directoryJws,
    await readAuthorityPublicKey(paths.authorityPublic(dir)),
  );
  const client = (region: string, se: SecureElement): RegionClient => {
    const entry = directory.region(region);
    if (entry === undefined) throw new Error(`no region ${region}`);
    return new RegionClient({
      region,
      baseUrl: entry.baseUrl,
      signer: se,
      retry: { attempts: 1 },
      fetch: benchFetch,
    });
  };
  // One fresh device per message: a card is provisioned once per device.
  const total = (rounds + 1) * perRound;
  const devices = (n: number): Promise<Device[]> => {
    const made = new Array<Device>(n);
    return forEachConcurrently([...made.keys()], 8, async (i) => {
      const se = await SecureElement.create();
      const homeClient = client(HOME, se);
      await homeClient.registerAccount({
        name: `Bench User ${i}`,
        email: `bench-${i}@example.test`,
        device: { encryptionKey: se.encryptionPublicKey },
      });
      made[i] = { se, home: homeClient };
    }).then(() => made);
  };
  const homeDevices = await devices(total);
  const redirectedDevices = await devices(total);
  const message = (device: Device, region: string): api.ProvisioningMessage => ({
    ...cardOf(region),
    network: region === HOME ? 'visa' : 'unionpay',
    device: { encryptionKey: device.se.encryptionPublicKey },
  });
  const steps = {
    'home card: session opened': async (device: Device) => {
      const answer = await device.home.sendProvisioningMessage(message(device, HOME));
      if (answer.outcome !== 'session') throw new Error('no session at home');
    },
    'foreign card: redirected, session opened': async (device: Device) => {
      const sent = message(device, FOREIGN);
      const answer = await device.home.sendProvisioningMessage(sent);
      if (answer.outcome !== 'redirect') throw new Error('no redirect');
      const target = await checkRedirect({
        directory,
        homeRegion: HOME,
        message: sent,
        deviceJkt: device.se.deviceJkt,
        redirect: answer.redirect,
      });
      const opened = await client(target.id, device.se).sendProvisioningMessage({
        ...sent,
        redirectAssertion: answer.redirect.assertion,
      });
      if (opened.outcome !== 'session') throw new Error('no session at the owner');
    },
  };
  const servers: ServiceProcess[] = [home, foreign];
  const used = new Map<string, Map<string, number>>();
  for (let round = 0; round <= rounds; round++) {
    for (const [label, step] of Object.entries(steps)) {
      const pool = label.startsWith('home') ? homeDevices : redirectedDevices;
      const batch = pool.slice(round * perRound, (round + 1) * perRound);
      const before = servers.map((s) => s.cpuSeconds() ?? 0);
      await forEachConcurrently(batch, concurrency, (device) => step(device));
      // Round 0 warms both regions up and is not counted.
      if (round === 0) continue;
      const byServer = used.get(label) ?? new Map<string, number>();
      servers.forEach((s, i) =>
        byServer.set(
          s.name,
          (byServer.get(s.name) ?? 0) + (s.cpuSeconds() ?? 0) - (before[i] ?? 0),
        ),
      );
      used.set(label, byServer);
    }
  }
  const operations = rounds * perRound;
  console.table(
    Object.fromEntries(
      [...used].map(([label, byServer]) => [
        label,
        Object.fromEntries(
          [...byServer].map(([name, seconds]) => [
            `${name} CPU ms/message`,
            Number(((seconds * 1000) / operations).toFixed(3)),
          ]),
        ),
      ]),
    ),
  );
  await Promise.all(servers.map((server) => server.stop()));
} finally {
  await deployment.close();
  await rm(dir, { recursive: true, force: true });
}
