import {
  DomicileError,
  buildIssuerApplicationData,
  cardArqc,
  cvn18DataOf,
  type TerminalElements,
  type api,
} from '@domicile/protocol';
import type { AppletLifecycle, AppletState, CardArt } from './secure-element-state.js';

/** What the rest of the SDK may see of an applet: no token number, no key. */
export interface AppletView {
  readonly tokenRef: string;
  readonly region: string;
  readonly network: api.CredentialView['network'];
  readonly last4: string;
  /** The card's expiry, known once the issuer reissued the card. */
  readonly cardExpiry?: api.Expiry;
  readonly tokenLast4: string;
  readonly tokenExpiry: api.Expiry;
  readonly state: AppletLifecycle;
  readonly art: CardArt | undefined;
  readonly scriptId: string | undefined;
  readonly issuer: api.PersonalizationScript['issuer'] | undefined;
}

const MAX_ATC = 0xffff;

/**
 * AIP (82) of a software wallet applet: cardholder verification supported (the device's own
 * unlock) and terminal risk management to be performed; no offline data authentication.
 */
const APPLICATION_INTERCHANGE_PROFILE = '1800';

/** What GENERATE AC returns: the cryptogram, the data it covers and the token data a terminal reads. */
export interface ApplicationCryptogram {
  readonly tokenNumber: string;
  readonly tokenExpiry: api.Expiry;
  readonly panSequenceNumber: string;
  readonly atc: number;
  /** The ARQC (9F26), uppercase hex. */
  readonly arqc: string;
  readonly emv: api.Cvn18Elements;
}

/**
 * One credential inside the software secure element. The ICC master key and the full token number
 * stay in here; callers drive the applet through operations (store art, store script, activate,
 * next ATC) as a host talks to a real applet through APDUs.
 */
export class Applet {
  #state: AppletState;

  /** @internal made by the secure element from verified provisioning data or from the wallet file. */
  constructor(state: AppletState) {
    this.#state = structuredClone(state);
  }

  get tokenRef(): string {
    return this.#state.tokenRef;
  }

  get region(): string {
    return this.#state.region;
  }

  get state(): AppletLifecycle {
    return this.#state.state;
  }

  get art(): CardArt | undefined {
    return this.#state.art;
  }

  get script(): { readonly jws: string; readonly content: api.PersonalizationScript } | undefined {
    return this.#state.script;
  }

  view(): AppletView {
    const s = this.#state;
    return {
      tokenRef: s.tokenRef,
      region: s.region,
      network: s.network,
      last4: s.last4,
      ...(s.cardExpiry === undefined ? {} : { cardExpiry: { ...s.cardExpiry } }),
      tokenLast4: s.tokenNumber.slice(-4),
      tokenExpiry: { ...s.tokenExpiry },
      state: s.state,
      art: s.art === undefined ? undefined : { ...s.art },
      scriptId: s.script?.content.scriptId,
      issuer: s.script === undefined ? undefined : { ...s.script.content.issuer },
    };
  }

  /** Records checked card art. The same art again is a no-op (notifications may repeat). */
  storeArt(art: CardArt): void {
    const current = this.#state.art;
    if (
      current !== undefined &&
      (current.assetId !== art.assetId || current.sha256 !== art.sha256)
    ) {
      throw new DomicileError('ASSET_HASH_MISMATCH', { details: { tokenRef: this.tokenRef } });
    }
    this.#state.art = { ...art };
  }

  /**
   * Stores a verified personalization script. The script's commands are applied; `ACTIVATE` only
   * arms the applet: it turns active once the region confirms the activation (`activate`).
   */
  storeScript(jws: string, content: api.PersonalizationScript): void {
    if (content.tokenRef !== this.tokenRef || content.region !== this.region) {
      throw new DomicileError('SIGNATURE_INVALID', {
        details: { tokenRef: this.tokenRef },
        cause: 'script for another applet',
      });
    }
    if (this.#state.script !== undefined && this.#state.script.jws !== jws) {
      // A second, different script for an applet already personalised is not ours to accept.
      if (this.#state.state !== 'pending_activation')
        throw new DomicileError('SCRIPT_HASH_MISMATCH', { details: { tokenRef: this.tokenRef } });
    }
    this.#state.script = { jws, content: structuredClone(content) };
  }

  /** Turns the applet active; requires a stored script that carries the ACTIVATE command. */
  activate(): void {
    if (this.#state.state === 'active') return;
    const script = this.#state.script;
    if (script === undefined || !script.content.commands.some((c) => c.op === 'ACTIVATE')) {
      throw new DomicileError('SCRIPT_NOT_READY', { details: { tokenRef: this.tokenRef } });
    }
    if (this.#state.state !== 'pending_activation')
      throw new DomicileError('CREDENTIAL_STATE', { details: { tokenRef: this.tokenRef } });
    this.#state.state = 'active';
  }

  /** Suspends the applet (the region suspended its token). @throws `CREDENTIAL_STATE` once deleted. */
  suspend(): void {
    this.#requireNotDeleted();
    this.#state.state = 'suspended';
  }

  /**
   * Resumes the applet to the state the region resumed its token to. An applet never personalised
   * (no script with ACTIVATE) goes back to pending activation, for the wallet to complete it.
   */
  resume(to: 'active' | 'pending_activation'): void {
    this.#requireNotDeleted();
    const personalised =
      this.#state.script?.content.commands.some((c) => c.op === 'ACTIVATE') === true;
    this.#state.state = to === 'active' && personalised ? 'active' : 'pending_activation';
  }

  /** Deletes the applet: final. Its key material is dropped, so it can never make a cryptogram again. */
  delete(): void {
    this.#state.state = 'deleted';
    delete this.#state.iccMasterKey;
  }

  /** Replaces the card art with new, checked art the region announced (the issuer changed it). */
  replaceArt(art: CardArt): void {
    this.#requireNotDeleted();
    this.#state.art = { ...art };
  }

  /**
   * The issuer reissued the card behind the token: the applet shows the new card's last 4 and
   * expiry. Its token number, keys and ATC stay: payments go on with the same token.
   */
  updateCard(card: { readonly last4: string; readonly expiry: api.Expiry }): void {
    this.#requireNotDeleted();
    this.#state.last4 = card.last4;
    this.#state.cardExpiry = { month: card.expiry.month, year: card.expiry.year };
  }

  /** Whether the card is the one shown: the same last 4 and expiry (a repeated notification). */
  showsCard(card: { readonly last4: string; readonly expiry: api.Expiry }): boolean {
    const held = this.#state.cardExpiry;
    return (
      this.#state.last4 === card.last4 &&
      held?.month === card.expiry.month &&
      held.year === card.expiry.year
    );
  }

  /** Whether the applet still holds its key material (false once deleted). */
  get hasKeys(): boolean {
    return this.#state.iccMasterKey !== undefined;
  }

  #requireNotDeleted(): void {
    if (this.#state.state === 'deleted')
      throw new DomicileError('CREDENTIAL_STATE', {
        details: { tokenRef: this.tokenRef, state: 'deleted' },
      });
  }

  /**
   * The application transaction counter for the next cryptogram (EMV Book 2 §8.1): incremented
   * before use and persisted by the caller, so no ATC is ever used twice.
   */
  nextAtc(): number {
    if (this.#state.atc >= MAX_ATC)
      throw new DomicileError('INTERNAL', {
        details: { tokenRef: this.tokenRef, reason: 'atc-exhausted' },
      });
    this.#state.atc += 1;
    return this.#state.atc;
  }

  /**
   * GENERATE AC for an online authorization (EMV Book 3 9.3, Visa CVN 18): takes the next ATC,
   * writes the channel into the IAD (so the cryptogram is bound to it) and computes the ARQC with
   * the token's ICC master key. The caller persists the applet before the cryptogram leaves the
   * device. Returns the token data a terminal reads with it; the key never leaves the applet.
   * @throws DomicileError `CREDENTIAL_NOT_ACTIVE` unless the applet is active.
   */
  generateArqc(input: {
    readonly terminal: TerminalElements;
    readonly channel: api.AuthorizationChannel;
  }): ApplicationCryptogram {
    const key = this.#state.iccMasterKey;
    if (this.#state.state !== 'active' || key === undefined) {
      throw new DomicileError('CREDENTIAL_NOT_ACTIVE', {
        details: { tokenRef: this.tokenRef, state: this.#state.state },
      });
    }
    const atc = this.nextAtc();
    const emv: api.Cvn18Elements = {
      ...input.terminal,
      '82': APPLICATION_INTERCHANGE_PROFILE,
      '9F36': atc.toString(16).padStart(4, '0').toUpperCase(),
      '9F10': buildIssuerApplicationData(input.channel),
    };
    const arqc = cardArqc({ iccMasterKey: Buffer.from(key, 'hex'), atc, data: cvn18DataOf(emv) });
    return {
      tokenNumber: this.#state.tokenNumber,
      tokenExpiry: { ...this.#state.tokenExpiry },
      panSequenceNumber: this.#state.panSequenceNumber,
      atc,
      arqc: arqc.toString('hex').toUpperCase(),
      emv,
    };
  }

  /** @internal for the wallet file only. */
  exportState(): AppletState {
    return structuredClone(this.#state);
  }
}
