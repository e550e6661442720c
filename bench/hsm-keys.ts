/**
 * `npx tsx bench/hsm-keys.ts [iterations]`: a microbenchmark of the region's keys in SoftHSM2
 * beside the same operations on file keys — ES256 signing of a JWS and the vault's data-key wrap
 * and unwrap — one at a time (latency) and 8 at a time (throughput). Figures, not targets; needs
 * SoftHSM2 (`scripts/ensure-softhsm.sh`) and makes its own token in a temporary folder.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { activePrivateJwk, generateRegionKeySet } from '@domicile/region';
import {
  FileJwsSigner,
  LocalKeyProvider,
  Pkcs11JwsSigner,
  Pkcs11KeyProvider,
  Pkcs11Token,
  generatePkcs11RegionKeys,
  type KeyProvider,
} from '@domicile/region/internals';
import { createSoftHsm } from '@domicile/region/testing';

const ITERATIONS = Number(process.argv[2] ?? 2000);
const CONCURRENCY = 8;
const CLAIMS = { iss: 'us', aud: 'cn', sub: 'pairwise-pseudonym', jti: 'x'.repeat(22), exp: 0 };

/** Mean latency one at a time, and operations per second with CONCURRENCY in flight. */
async function measure(name: string, operation: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 100; i++) await operation();
  let start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) await operation();
  const latencyUs = ((performance.now() - start) * 1000) / ITERATIONS;
  start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < ITERATIONS) await operation();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const perSecond = ITERATIONS / ((performance.now() - start) / 1000);
  return `${name.padEnd(34)} ${latencyUs.toFixed(0).padStart(8)} µs ${perSecond.toFixed(0).padStart(10)}/s`;
}

function roundTrip(provider: KeyProvider): () => Promise<unknown> {
  return async () => provider.unwrapKey(await provider.wrapKey(randomBytes(32)), provider.kekId);
}

const softHsm = await createSoftHsm('bench');
const token = await Pkcs11Token.open(softHsm.tokenOptions('bench'));
try {
  const labels = { signing: 'bench-signing', tsm: 'bench-tsm', kek: 'bench-kek' };
  await generatePkcs11RegionKeys(token, labels);
  const keys = await generateRegionKeySet('bench');
  const fileSigner = new FileJwsSigner(activePrivateJwk(keys, 'signing'));
  const hsmSigner = await Pkcs11JwsSigner.open(token, labels.signing);
  const local = LocalKeyProvider.fromKeySet(keys);
  const hsm = await Pkcs11KeyProvider.open(token, { kekLabel: labels.kek });
  const rows = [
    await measure('ES256 JWS sign, file (jose)', () => fileSigner.sign(CLAIMS, 'bench+jws')),
    await measure('ES256 JWS sign, SoftHSM2', () => hsmSigner.sign(CLAIMS, 'bench+jws')),
    await measure('data key wrap, file (RFC 5649)', () => local.wrapKey(randomBytes(32))),
    await measure('data key wrap, SoftHSM2', () => hsm.wrapKey(randomBytes(32))),
    await measure('wrap + unwrap, file', roundTrip(local)),
    await measure('wrap + unwrap, SoftHSM2', roundTrip(hsm)),
  ];
  process.stdout.write(
    `${'operation'.padEnd(34)} ${'latency'.padStart(11)} ${`x${CONCURRENCY} in flight`.padStart(12)}\n${rows.join('\n')}\n` +
      `(${ITERATIONS} operations each, Node ${process.version})\n`,
  );
} finally {
  await token.close();
  await softHsm.remove();
}
