import { randomBytes } from 'node:crypto';
import {
  api,
  buildIssuerApplicationData,
  cardArqc,
  cvn18DataOf,
  iccMasterKey,
  signJson,
  terminalElements,
  type PrivateJwk,
} from '@domicile/protocol';
import { readNetworkKey, readRegionKeys } from '@domicile/cli';
import { seedTokenNumber } from '@domicile/region';
import { postJson } from '../http-client.js';
import type { AuthorizationSpec } from '../load-job.js';
import type { Workload } from './workload.js';

const AMOUNT_MINOR = 2_500;

/**
 * One authorization per operation, of a token seeded by `domicile region seed`, with a genuine
 * ARQC made as the token's applet makes it (from the ICC master key the provisioning data
 * carries; here derived from the region's issuer master key, which the bench reads from the
 * deployment folder). Either as the network router sends it to the region (a JWS by the
 * network's key, `via: 'region'`) or as an acquirer sends it to the router (`via: 'router'`).
 * The requests of a batch are made and signed just before it starts (well inside the 60 s the
 * region allows a signature's `iat`): the rounds time the region, not the card's and the
 * network's crypto, which happen elsewhere in real life.
 *
 * Operation i takes token π(i mod n), π a fixed permutation that spreads the operations over
 * the whole token range, with ATC `atcBase + ⌊i / n⌋ + 1`: every request is fresh for its token,
 * and the next run starts above this one ({@link maxAtcOf}).
 */
export class AuthorizationWorkload implements Workload {
  readonly #spec: AuthorizationSpec;
  readonly #stride: number;
  #imk: Buffer | undefined;
  #networkKey: PrivateJwk | undefined;
  /** The JSON bodies of the current batch, by operation index. */
  #bodies = new Map<number, string>();

  constructor(spec: AuthorizationSpec) {
    this.#spec = spec;
    this.#stride = strideFor(spec.tokens);
  }

  async prepare(): Promise<void> {
    const keys = await readRegionKeys(this.#spec.deployment.dir, this.#spec.region);
    this.#imk = Buffer.from(keys.secrets.issuerMasterKey, 'hex');
    this.#networkKey = await readNetworkKey(this.#spec.deployment.dir, this.#spec.network);
  }

  async prepareBatch(first: number, count: number): Promise<void> {
    this.#bodies = new Map();
    for (let i = first; i < first + count; i++) {
      const request = this.#request(i);
      this.#bodies.set(
        i,
        JSON.stringify(
          this.#spec.via === 'router' ? request : { authorization: await this.#sign(request) },
        ),
      );
    }
  }

  async run(index: number): Promise<void> {
    const spec = this.#spec;
    const body = this.#bodies.get(index);
    if (body === undefined) throw new Error('operation outside the prepared batch');
    const url =
      spec.via === 'router'
        ? (spec.routerUrl ?? '')
        : (spec.deployment.baseUrls[spec.region] ?? '');
    const response = await post(`${url}/v1/authorizations`, body);
    if (!response.approved) throw new Error(`declined: ${String(response.reason)}`);
  }

  close(): Promise<void> {
    this.#bodies = new Map();
    return Promise.resolve();
  }

  #request(index: number): api.AuthorizationRequest {
    const { tokens, atcBase, seed } = this.#spec;
    const imk = this.#imk;
    if (imk === undefined) throw new Error('not prepared');
    const tokenIndex =
      (this.#spec.firstToken ?? 0) +
      Number((BigInt(index % tokens) * BigInt(this.#stride)) % BigInt(tokens));
    const atc = atcBase + Math.floor(index / tokens) + 1;
    const tokenNumber = seedTokenNumber(this.#spec.tokenRanges, tokenIndex);
    const emv = {
      ...terminalElements({
        amountMinor: AMOUNT_MINOR,
        currency: '840',
        country: '840',
        date: new Date().toISOString().slice(0, 10),
        unpredictableNumber: randomBytes(4).toString('hex'),
      }),
      '82': '1800',
      '9F36': atc.toString(16).padStart(4, '0').toUpperCase(),
      '9F10': buildIssuerApplicationData('in_store'),
    };
    const key = iccMasterKey({ imk, pan: tokenNumber, psn: seed.panSequenceNumber });
    return {
      tokenNumber,
      tokenExpiry: seed.tokenExpiry,
      panSequenceNumber: seed.panSequenceNumber,
      cvn: 18,
      arqc: cardArqc({ iccMasterKey: key, atc, data: cvn18DataOf(emv) })
        .toString('hex')
        .toUpperCase(),
      emv,
      channel: 'in_store',
      merchant: { id: 'bench-shop', name: 'Bench Shop' },
    };
  }

  /** What the network router signs for the region (`RegionForwarder`). */
  #sign(request: api.AuthorizationRequest): Promise<string> {
    const key = this.#networkKey;
    if (key === undefined) throw new Error('not prepared');
    const claims: api.NetworkAuthorizationClaims = {
      iss: this.#spec.network,
      aud: this.#spec.region,
      iat: Math.floor(Date.now() / 1000),
      jti: randomBytes(18).toString('base64url'),
      request,
    };
    return signJson(claims, key, api.AUTHORIZATION_TYP);
  }
}

/** The highest ATC a run of `operations` operations over `tokens` tokens uses above its base. */
export function maxAtcOf(operations: number, tokens: number): number {
  return Math.ceil(operations / tokens);
}

async function post(url: string, body: string): Promise<{ approved: boolean; reason?: unknown }> {
  const { status, json } = await postJson(url, body);
  const answer = (json ?? {}) as {
    approved?: unknown;
    reason?: unknown;
    error?: { code?: unknown };
  };
  if (status !== 200) throw new Error(`status ${status}: ${String(answer.error?.code)}`);
  return { approved: answer.approved === true, reason: answer.reason };
}

/** A multiplier coprime with n near n·0.618: consecutive operations land far apart in the token range. */
function strideFor(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  for (let s = Math.max(1, Math.floor(n * 0.6180339887)); s > 1; s--) if (gcd(s, n) === 1) return s;
  return 1;
}
