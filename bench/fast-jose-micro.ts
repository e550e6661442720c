/**
 * CPU per JOSE operation: jose (WebCrypto, what the project ran before; keys imported once, as
 * `importKey` caches them) against the node:crypto path (`packages/protocol/src/jose/node-jose.ts`)
 * in one process, alternating rounds, median of the rounds. CPU is the whole process's (user +
 * system), so WebCrypto's thread-pool work counts too.
 *
 *   npx tsx --conditions=@domicile/source bench/fast-jose-micro.ts [opsPerRound] [rounds]
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, jwtVerify } from 'jose';
import {
  CONTENT_ENCRYPTION,
  KEY_AGREEMENT_ALG,
  SIGNING_ALG,
  TYP,
  decryptText,
  encryptJson,
  generateKeyPairJwk,
  importKey,
  signJson,
  verifyJson,
  verifyJwt,
} from '@domicile/protocol';
import { embeddedDeviceKey } from '@domicile/region/internals';

const OPS = Number(process.argv[2] ?? 400);
const ROUNDS = Number(process.argv[3] ?? 7);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const device = await generateKeyPairJwk('sig');
const region = await generateKeyPairJwk('enc');
const body = { card: 'x'.repeat(600), n: 1 };
const typ = TYP.personalizationScript;
const jws = await signJson(body, device.privateJwk, typ);
const jwe = await encryptJson(body, region.publicJwk, TYP.cardDetails);
/** The bare node:crypto call under each signature, for the overhead of the path around it. */
const privateKey = createPrivateKey({ key: { ...device.privateJwk }, format: 'jwk' });
const publicKey = createPublicKey({ key: { ...device.publicJwk }, format: 'jwk' });
const signingInput = Buffer.from(jws.slice(0, jws.lastIndexOf('.')));
const signature = Buffer.from(jws.slice(jws.lastIndexOf('.') + 1), 'base64url');
const joseOptions = {
  keyManagementAlgorithms: [KEY_AGREEMENT_ALG],
  contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
};

const deviceKey = await importKey(device.privateJwk, SIGNING_ALG);
/** DPoP proofs as a device sends them, its public key in the header. */
const { kty, crv, x, y } = device.publicJwk;
const proofs = await Promise.all(
  Array.from({ length: OPS }, () =>
    new CompactSign(
      encoder.encode(
        JSON.stringify({
          jti: crypto.randomUUID(),
          htm: 'POST',
          htu: 'https://region.example/v1/provisioning/messages',
          iat: Math.floor(Date.now() / 1000),
        }),
      ),
    )
      .setProtectedHeader({ alg: SIGNING_ALG, typ: TYP.dpop, jwk: { kty, crv, x, y } })
      .sign(deviceKey),
  ),
);
const proof = (i: number) => proofs[i % OPS] ?? '';

/**
 * "jose": what `signJson`, `verifyJson`, `encryptJson`, `decryptText` and the region's DPoP check
 * ran before (jose's calls, keys from `importKey`'s cache); "fast": the same functions now.
 */
type Op = (i: number) => unknown;
const operations: Record<string, { jose: Op; fast: Op; primitive?: Op }> = {
  'ES256 sign (signJson)': {
    jose: async () =>
      new CompactSign(encoder.encode(JSON.stringify(body)))
        .setProtectedHeader({ alg: SIGNING_ALG, typ, kid: device.privateJwk.kid })
        .sign(await importKey(device.privateJwk, SIGNING_ALG)),
    fast: () => signJson(body, device.privateJwk, typ),
    primitive: () => sign('sha256', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  },
  'ES256 verify (verifyJson)': {
    jose: async () => {
      const verified = await compactVerify(jws, await importKey(device.publicJwk, SIGNING_ALG), {
        algorithms: [SIGNING_ALG],
      });
      return JSON.parse(decoder.decode(verified.payload)) as unknown;
    },
    fast: () => verifyJson(jws, device.publicJwk, typ),
    primitive: () =>
      verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
  },
  'DPoP proof verify (JWT, key in header)': {
    jose: (i) =>
      jwtVerify(proof(i), () => importKey(device.publicJwk, SIGNING_ALG), {
        algorithms: [SIGNING_ALG],
        typ: TYP.dpop,
      }),
    fast: (i) =>
      verifyJwt(proof(i), { typ: TYP.dpop, now: new Date(), key: (h) => embeddedDeviceKey(h) }),
  },
  'JWE encrypt (encryptJson)': {
    jose: async () =>
      new CompactEncrypt(encoder.encode(JSON.stringify(body)))
        .setProtectedHeader({
          alg: KEY_AGREEMENT_ALG,
          enc: CONTENT_ENCRYPTION,
          typ: TYP.cardDetails,
        })
        .encrypt(await importKey(region.publicJwk, KEY_AGREEMENT_ALG)),
    fast: () => encryptJson(body, region.publicJwk, TYP.cardDetails),
  },
  'JWE decrypt (decryptText)': {
    jose: async () =>
      decoder.decode(
        (
          await compactDecrypt(
            jwe,
            await importKey(region.privateJwk, KEY_AGREEMENT_ALG),
            joseOptions,
          )
        ).plaintext,
      ),
    fast: () => decryptText(jwe, region.privateJwk, TYP.cardDetails, 'CARD_DETAILS_UNREADABLE'),
  },
};

async function cpuMicrosPerOp(op: (i: number) => unknown): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < OPS; i++) await op(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / OPS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;

console.log(`${OPS} operations per round, ${ROUNDS} alternating rounds; CPU µs per operation`);
console.log(
  'operation'.padEnd(42),
  'jose'.padStart(8),
  'fast'.padStart(8),
  'ratio'.padStart(7),
  'node:crypto call'.padStart(17),
);
for (const [name, { jose, fast, primitive }] of Object.entries(operations)) {
  const samples = { jose: [] as number[], fast: [] as number[], primitive: [] as number[] };
  await cpuMicrosPerOp(jose);
  await cpuMicrosPerOp(fast);
  for (let round = 0; round < ROUNDS; round++) {
    samples.jose.push(await cpuMicrosPerOp(jose));
    samples.fast.push(await cpuMicrosPerOp(fast));
    if (primitive !== undefined) samples.primitive.push(await cpuMicrosPerOp(primitive));
  }
  const [j, f] = [median(samples.jose), median(samples.fast)];
  console.log(
    name.padEnd(42),
    j.toFixed(1).padStart(8),
    f.toFixed(1).padStart(8),
    (j / f).toFixed(2).padStart(7),
    (primitive === undefined ? '' : median(samples.primitive).toFixed(1)).padStart(17),
  );
}
