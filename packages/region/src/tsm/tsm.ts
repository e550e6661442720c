import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, TYP, api } from '@domicile/protocol';
import type { CardProduct } from '../issuer/index.js';
import type { JwsSigner } from '../keys/index.js';

/** Options of {@link Tsm}. */
export interface TsmOptions {
  readonly region: string;
  /** The TSM signing key (`RegionKeyring.tsm`); its public half is in the directory. */
  readonly signer: JwsSigner;
  readonly now?: () => Date;
}

/** What a personalization script is built from. */
export interface ScriptInput {
  readonly scriptId: string;
  readonly tokenRef: string;
  readonly product: CardProduct;
  /** The card art asset, as announced by the `credential.provisioned` notification. */
  readonly artwork: { readonly assetId: string; readonly sha256: string };
}

/**
 * The applet commands, in the order the secure element applies them. Each takes its data from
 * the script field of the same subject (`artwork`, `issuer`, `termsUrl`); ACTIVATE goes last so a
 * card is never active with half its personalization.
 */
const COMMANDS: api.PersonalizationScript['commands'] = [
  { op: 'SET_ARTWORK' },
  { op: 'SET_ISSUER_CONTACT' },
  { op: 'SET_TERMS' },
  { op: 'ACTIVATE' },
];

/** SHA-256 of a script JWS as sent, base64url: what the device reports back on activation. */
export function scriptHash(jws: string): string {
  return createHash('sha256').update(jws, 'ascii').digest('base64url');
}

/**
 * The region's trusted service manager (DESIGN: TSM): builds personalization scripts and signs
 * them with its own key, which devices find in the signed directory.
 */
export class Tsm {
  readonly region: string;
  readonly #signer: JwsSigner;
  readonly #now: () => Date;

  constructor(options: TsmOptions) {
    this.region = options.region;
    this.#signer = options.signer;
    this.#now = options.now ?? (() => new Date());
  }

  /** Builds and signs a script (`typ` domicile-personalization-script+jws); returns it with its hash. */
  async buildScript(input: ScriptInput): Promise<{ jws: string; hash: string }> {
    const { product } = input;
    const script: api.PersonalizationScript = {
      scriptId: input.scriptId,
      tokenRef: input.tokenRef,
      region: this.region,
      issuedAt: Math.floor(this.#now().getTime() / 1000),
      artwork: { assetId: input.artwork.assetId, sha256: input.artwork.sha256 },
      issuer: {
        name: product.issuerName,
        phone: product.phone,
        email: product.email,
        website: product.website,
      },
      termsUrl: product.termsUrl,
      commands: COMMANDS.map((command) => ({ ...command })),
    };
    // Signing is a promise to every device: never sign what the devices' schema would refuse.
    if (!Value.Check(api.PersonalizationScript, script)) {
      throw new DomicileError('INTERNAL', {
        details: { reason: 'personalization script does not match its schema' },
      });
    }
    const jws = await this.#signer.sign(script, TYP.personalizationScript);
    return { jws, hash: scriptHash(jws) };
  }
}
