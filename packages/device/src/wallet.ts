import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  PublicJwkSchema,
  isDomicileError,
  jwkThumbprint,
  verifyDirectory,
  type Directory,
  type KeyRole,
  type PublicJwk,
  type RegionEntry,
  api,
  definedProps,
} from '@domicile/protocol';
import {
  approveJoinRequest,
  awaitJoinDecision,
  ownJoinCode,
  type AccountDevicesContext,
  type AwaitJoinOptions,
} from './account-devices.js';
import type { CardInput } from './card-input.js';
import {
  changeCardState,
  type CardLifecycleContext,
  type CardLifecycleOptions,
} from './card-lifecycle.js';
import { installScriptAndActivate } from './credential-completion.js';
import { sha256, toHex } from './device-bytes.js';
import { authorizationRequestFor, listTransactions, type PayOptions } from './payment.js';
import { provisionCard, type PushedCard } from './provisioning-flow.js';
import type { AddCardHooks } from './provisioning-steps.js';
import { RegionClient } from './region-client.js';
import { inUserAction } from './region-transport.js';
import type { SecureElement } from './secure-element/index.js';
import { type AppletView } from './secure-element/index.js';
import { HeldDirectory, walletClock, type HeldDirectoryState } from './held-directory.js';
import { createWalletFileStore, openWalletFileStore } from './wallet-file-store.js';
import {
  runtimeOptions,
  transportOptions,
  type AddCardOptions,
  type CreateWalletOptions,
  type OpenWalletOptions,
  type WalletRuntimeOptions,
} from './wallet-options.js';
import {
  WalletNotifications,
  type FollowOptions,
  type HandledNotification,
} from './wallet-notifications.js';
import type { WalletAccount } from './wallet-state.js';
import type { StoredWalletState as StoredState, WalletStore } from './wallet-store.js';

/** A day: how old the held directory may get before the wallet fetches it again. */
const DIRECTORY_REFRESH_SECONDS = 86_400;

/**
 * The directory saved in the wallet file, checked again on open: it was fully checked when it
 * arrived, so keys that have expired since do not lock the wallet (the next refresh replaces it).
 */
async function verifyHeldDirectory(jws: string, authorityKey: PublicJwk): Promise<Directory> {
  try {
    return await verifyDirectory(jws, authorityKey);
  } catch (error) {
    if (!isDomicileError(error, 'DIRECTORY_KEYS_EXPIRED')) throw error;
    return verifyDirectory(jws, authorityKey, { now: 0 });
  }
}

/**
 * The wallet SDK: a secure element, the verified region directory and the encrypted wallet file,
 * and the stories a user drives (register, add a card, follow push notifications).
 */
export class Wallet {
  readonly #store: WalletStore;
  readonly #state: StoredState;
  readonly #se: SecureElement;
  readonly #runtime: WalletRuntimeOptions;
  readonly #clients = new Map<string, RegionClient>();
  readonly #notifications: WalletNotifications;
  readonly #held: HeldDirectory;
  #saving: Promise<void> = Promise.resolve();

  private constructor(parts: {
    store: WalletStore;
    state: StoredState;
    se: SecureElement;
    directory: Directory;
    runtime: WalletRuntimeOptions;
  }) {
    this.#store = parts.store;
    this.#state = parts.state;
    this.#se = parts.se;
    this.#runtime = parts.runtime;
    this.#held = new HeldDirectory({
      directory: parts.directory,
      checkedAt: parts.state.directoryCheckedAt ?? 0,
      fetch: (region) => this.#client(region).directory(),
      defaultRegion: parts.state.homeRegion,
      adopt: (held) => this.#adoptDirectory(held),
      refreshSeconds: parts.runtime.directoryRefreshSeconds ?? DIRECTORY_REFRESH_SECONDS,
      now: walletClock(parts.runtime.now),
    });
    this.#notifications = new WalletNotifications({
      directory: () => this.directory,
      keyFor: (region, role, kid) => this.#held.keyFor(region, role, kid),
      secureElement: this.#se,
      clientFor: (r) => this.#client(r),
      persist: () => this.#save(),
      cursors: this.#state.cursors,
      stream: parts.runtime.stream ?? {},
      ...definedProps({ onHandled: parts.runtime.onNotificationHandled }),
    });
  }

  /** The verified directory held now: the only source of region URLs and keys. */
  get directory(): Directory {
    return this.#held.current;
  }

  /**
   * Fetches the directory again (from `region`, default the home region) and keeps it once it
   * verifies with the pinned authority key and its serial is not lower than the one held.
   */
  async refreshDirectory(region?: string): Promise<Directory> {
    return this.#held.refresh(region);
  }

  /** Creates a wallet file with fresh device keys and the bootstrap region's directory, verified. */
  static async create(options: CreateWalletOptions): Promise<Wallet> {
    const { state, directory } = await Wallet.bootstrap(options);
    const { store, secureElement } = await createWalletFileStore({
      path: options.path,
      passphrase: options.passphrase,
      state,
      ...definedProps({ kdf: options.kdf }),
    });
    return new Wallet({
      store,
      state,
      se: secureElement,
      directory,
      runtime: runtimeOptions(options),
    });
  }

  /** Opens a wallet file: 'WALLET_NOT_FOUND', or 'WALLET_LOCKED' for a wrong passphrase or a damaged file. */
  static async open(options: OpenWalletOptions): Promise<Wallet> {
    const { store, state, secureElement } = await openWalletFileStore(options);
    return Wallet.fromStore({ store, state, secureElement, runtime: options });
  }

  /**
   * The first state of a new wallet: the pinned authority key and the bootstrap region's
   * directory, verified with it (a store then keeps it with the device keys it makes).
   */
  static async bootstrap(
    options: Pick<CreateWalletOptions, 'authorityKey' | 'bootstrapUrl' | 'homeRegion' | 'now'> &
      WalletRuntimeOptions,
  ): Promise<{ state: StoredState; directory: Directory }> {
    if (!Value.Check(PublicJwkSchema, options.authorityKey))
      throw new DomicileError('VALIDATION_FAILED', { details: { field: 'authorityKey' } });
    const authorityKey: PublicJwk = {
      ...options.authorityKey,
      kid: options.authorityKey.kid ?? (await jwkThumbprint(options.authorityKey)),
    };
    const bootstrap = new RegionClient({
      region: 'bootstrap',
      baseUrl: options.bootstrapUrl,
      ...transportOptions(options),
    });
    const jws = await bootstrap.directory();
    const directory = await verifyDirectory(jws, authorityKey);
    if (directory.region(options.homeRegion) === undefined)
      throw new DomicileError('CONFIG_INVALID', { details: { homeRegion: options.homeRegion } });
    const state: StoredState = {
      version: 1,
      createdAt: new Date().toISOString(),
      authorityKey,
      directory: jws,
      directoryCheckedAt: walletClock(options.now)(),
      homeRegion: options.homeRegion,
      guests: {},
      cursors: {},
    };
    return { state, directory };
  }

  /**
   * A wallet from what a store kept: its held directory checked again with the pinned key. For
   * stores other than the wallet file (the browser's); `store` saves every change from then on.
   */
  static async fromStore(parts: {
    store: WalletStore;
    state: StoredState;
    secureElement: SecureElement;
    runtime: WalletRuntimeOptions;
  }): Promise<Wallet> {
    const directory = await verifyHeldDirectory(
      parts.state.directory,
      parts.state.authorityKey as PublicJwk,
    );
    return new Wallet({
      store: parts.store,
      state: parts.state,
      se: parts.secureElement,
      directory,
      runtime: runtimeOptions(parts.runtime),
    });
  }

  get path(): string {
    return this.#store.path;
  }

  get homeRegion(): string {
    return this.#state.homeRegion;
  }

  /** RFC 7638 thumbprint of the device signing key (public: how regions name this device). */
  get deviceJkt(): string {
    return this.#se.deviceJkt;
  }

  get account(): WalletAccount | undefined {
    return this.#state.account;
  }

  /** Registers the user and this device in the home region. Registering again returns the account. */
  async register(
    user: { name: string; email: string; model?: string },
    options: { signal?: AbortSignal } = {},
  ): Promise<WalletAccount> {
    if (this.#state.account !== undefined) return this.#state.account;
    const client = this.#client(this.homeRegion);
    const device = {
      encryptionKey: this.#se.encryptionPublicKey,
      ...definedProps({ model: user.model }),
    };
    let account: WalletAccount;
    try {
      const res = await client.registerAccount(
        { name: user.name, email: user.email, device },
        options,
      );
      account = {
        accountId: res.accountId,
        deviceId: res.deviceId,
        region: res.region,
        registeredAt: res.registeredAt,
      };
    } catch (error) {
      // A registration whose answer was lost: the region knows the device, so ask it.
      if (!isDomicileError(error, 'DEVICE_ALREADY_REGISTERED')) throw error;
      const me = await client.account(options);
      account = {
        accountId: me.accountId,
        deviceId: me.deviceId,
        region: me.region,
        registeredAt: me.registeredAt,
      };
    }
    this.#state.account = account;
    await this.#save();
    return account;
  }

  /**
   * Asks to join an existing account of the home region with this device (its own keys): by
   * `approval` of a device already on the account, or by a `code` sent to the account's contact.
   * The request is kept in the wallet until it is completed ({@link completeJoin}).
   */
  async requestJoin(
    input: { accountId: string; method: api.JoinMethod; model?: string },
    options: { signal?: AbortSignal } = {},
  ): Promise<api.JoinRequestView & { code?: string }> {
    if (this.#state.account !== undefined) throw new DomicileError('DEVICE_ALREADY_REGISTERED');
    const request = await this.#client(this.homeRegion).requestJoin(
      {
        accountId: input.accountId,
        method: input.method,
        device: {
          encryptionKey: this.#se.encryptionPublicKey,
          ...definedProps({ model: input.model }),
        },
      },
      options,
    );
    this.#state.join = {
      id: request.id,
      accountId: request.accountId,
      method: request.method,
      expiresAt: request.expiresAt,
    };
    await this.#save();
    return request.method === 'approval'
      ? { ...request, code: await ownJoinCode(this.#se, request.id) }
      : request;
  }

  /** The join request in progress, with the short code to compare on the approving device. */
  async pendingJoin(): Promise<(api.JoinRequestView & { code: string }) | undefined> {
    const join = this.#state.join;
    if (join === undefined) return undefined;
    const request = await this.#client(this.homeRegion).joinRequest(join.id);
    return { ...request, code: await ownJoinCode(this.#se, join.id) };
  }

  /**
   * Completes the join request in progress: with the `code` sent to the account's contact, or
   * (method approval) by waiting for a device of the account to approve it. Once approved the
   * wallet holds the account, as a registration would.
   */
  async completeJoin(
    input: { code?: string } & AwaitJoinOptions = {},
  ): Promise<{ joinRequest: api.JoinRequestView; account?: WalletAccount }> {
    const join = this.#state.join;
    if (join === undefined) throw new DomicileError('JOIN_REQUEST_NOT_FOUND');
    const home = this.#client(this.homeRegion);
    const joinRequest =
      join.method === 'code'
        ? await home.verifyJoinCode(
            join.id,
            input.code ?? '',
            definedProps({ signal: input.signal }),
          )
        : await awaitJoinDecision(this.#devicesContext(), join.id, input);
    if (joinRequest.state !== 'approved') {
      if (joinRequest.state !== 'pending') {
        delete this.#state.join;
        await this.#save();
      }
      return { joinRequest };
    }
    const me = await home.account(definedProps({ signal: input.signal }));
    const account: WalletAccount = {
      accountId: me.accountId,
      deviceId: me.deviceId,
      region: me.region,
      registeredAt: me.registeredAt,
    };
    this.#state.account = account;
    delete this.#state.join;
    await this.#save();
    return { joinRequest, account };
  }

  /** The account's pending join requests, each with the short code the joining device shows. */
  async joinRequests(
    options: { signal?: AbortSignal } = {},
  ): Promise<(api.JoinRequestView & { code: string })[]> {
    if (this.#state.account === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
    const list = await this.#client(this.homeRegion).joinRequests(options);
    return Promise.all(
      list.map(async (r) => ({ ...r, code: await api.joinCode(r.id, r.deviceJkt) })),
    );
  }

  /**
   * Approves another device's join request, given the code the user reads on that device; or
   * refuses it (`code` absent and `refuse` set).
   */
  async decideJoin(
    input: { joinRequestId: string; code?: string; refuse?: boolean },
    options: { signal?: AbortSignal } = {},
  ): Promise<api.JoinRequestView> {
    const account = this.#state.account;
    if (account === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
    if (input.refuse === true)
      return this.#client(this.homeRegion).decideJoin(input.joinRequestId, 'refuse', options);
    return approveJoinRequest(
      this.#devicesContext(),
      { joinRequestId: input.joinRequestId, code: input.code ?? '', deviceId: account.deviceId },
      options,
    );
  }

  /**
   * Every token of the account in every region this wallet uses, each with the device that holds
   * it (a card on two devices is two tokens); `current` marks this device's.
   */
  async accountCards(
    options: { signal?: AbortSignal } = {},
  ): Promise<(api.AccountCredentialView & { current: boolean })[]> {
    if (this.#state.account === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
    const all = [];
    for (const region of this.regions())
      all.push(...(await this.#client(region).accountCredentials(options)));
    return all.map((c) => ({ ...c, current: c.deviceJkt === this.deviceJkt }));
  }

  /** The account's devices (at the home region). */
  devices(options: { signal?: AbortSignal } = {}): Promise<api.DeviceView[]> {
    if (this.#state.account === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
    return this.#client(this.homeRegion).devices(options);
  }

  /**
   * Removes a device from the account (this one or another): its tokens are deleted at home at
   * once and in every other region as the report's requests are confirmed.
   */
  removeDevice(
    deviceId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<api.RemoveDeviceResponse> {
    if (this.#state.account === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
    return this.#client(this.homeRegion).removeDevice(deviceId, options);
  }

  #devicesContext(): AccountDevicesContext {
    return {
      home: this.#client(this.homeRegion),
      secureElement: this.#se,
      homeRegion: this.homeRegion,
      ...definedProps({ now: this.#runtime.now }),
    };
  }

  /**
   * Adds a card (DESIGN steps 2–6): provisioning at the region that owns it, then card art,
   * personalization script and activation as the push notifications arrive. Resolves with the
   * card; its state is 'pending_activation' if the notifications did not come in time (they are
   * completed later by `followNotifications` or `syncNotifications`). A {@link PushedCard} is
   * the issuer app's push payload, passed on unopened: no card details typed, and no ID&V.
   */
  addCard(
    card: CardInput | PushedCard,
    hooks: AddCardHooks,
    options: AddCardOptions = {},
  ): Promise<AppletView> {
    return inUserAction(() => this.#addCard(card, hooks, options));
  }

  async #addCard(
    card: CardInput | PushedCard,
    hooks: AddCardHooks,
    options: AddCardOptions,
  ): Promise<AppletView> {
    if (this.#state.account === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
    const signal = definedProps({ signal: options.signal });
    await this.#held.refreshIfDue();
    const { applet, client } = await provisionCard(
      {
        directory: this.directory,
        keyFor: (region, role, kid) => this.#held.keyFor(region, role, kid),
        refreshDirectory: (region) => this.#held.refreshFrom(region),
        homeRegion: this.homeRegion,
        secureElement: this.#se,
        clientFor: (region: RegionEntry) => this.#client(region.id),
        onGuest: (guest) => this.#recordGuest(guest),
        ...signal,
        ...definedProps({ now: this.#runtime.now }),
      },
      card,
      hooks,
    );
    await this.#save();
    await this.#notifications.awaitActivation(applet, client, {
      timeoutMs: options.activationTimeoutMs ?? 30_000,
      ...signal,
      onStep: (event) => hooks.onStep?.(event),
    });
    return applet.view();
  }

  /** The cards in the secure element (masked: last 4 digits of card and token only). */
  cards(): AppletView[] {
    return this.#se.applets().map((a) => a.view());
  }

  /**
   * A card's art as its region serves it (SVG), kept only if its SHA-256 is the one the applet
   * holds: for a page to show; undefined while the card has no art yet.
   */
  async cardArtImage(
    tokenRef: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<Uint8Array | undefined> {
    const applet = this.#se.applet(tokenRef);
    const art = applet?.art;
    if (applet === undefined || art === undefined) return undefined;
    const bytes = await this.#client(applet.region).asset(art.assetId, options);
    if (toHex(await sha256(bytes)) !== art.sha256)
      throw new DomicileError('ASSET_HASH_MISMATCH', { details: { tokenRef } });
    return bytes;
  }

  /** The regions this wallet has an account, a guest account or credentials in. */
  regions(): string[] {
    const home = this.#state.account === undefined ? [] : [this.homeRegion];
    const ids = new Set([
      ...home,
      ...Object.keys(this.#state.guests),
      ...this.#se.applets().map((a) => a.region),
    ]);
    return [...ids].filter((id) => this.directory.region(id) !== undefined);
  }

  /** Polls one region's notifications after the stored cursor and handles them, in order. */
  async syncNotifications(
    region: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<HandledNotification[]> {
    await this.#held.refreshIfDue();
    return this.#notifications.sync(region, options);
  }

  /** Follows every region's notification stream until `signal` aborts (or one region refuses). */
  async followNotifications(options: FollowOptions): Promise<void> {
    await this.#held.refreshIfDue();
    return this.#notifications.follow(this.regions(), options);
  }

  /** Completes cards whose activation is pending, where the region's script is ready. */
  async completePending(options: { signal?: AbortSignal } = {}): Promise<AppletView[]> {
    await this.#held.refreshIfDue();
    for (const applet of this.#se.applets().filter((a) => a.state === 'pending_activation')) {
      const ctx = {
        directory: this.directory,
        keyFor: (region: string, role: KeyRole, kid: string | undefined) =>
          this.#held.keyFor(region, role, kid),
        secureElement: this.#se,
        clientFor: (r: string) => this.#client(r),
        persist: () => this.#save(),
        ...options,
      };
      await installScriptAndActivate(ctx, applet).catch((error: unknown) => {
        if (!isDomicileError(error, 'SCRIPT_NOT_READY')) throw error;
      });
    }
    return this.cards();
  }

  /** Suspends a card (DESIGN step 8): payments with it are declined until it is resumed. */
  suspendCard(tokenRef: string, options: CardLifecycleOptions = {}): Promise<AppletView> {
    return changeCardState(this.#lifecycleContext(), tokenRef, 'suspend', options);
  }

  /** Resumes a card the user suspended ('RESUME_NOT_ALLOWED' for one the issuer or a lost-device report suspended). */
  resumeCard(tokenRef: string, options: CardLifecycleOptions = {}): Promise<AppletView> {
    return changeCardState(this.#lifecycleContext(), tokenRef, 'resume', options);
  }

  /** Deletes a card: final; the applet drops its keys and the region erases the card data. */
  deleteCard(tokenRef: string, options: CardLifecycleOptions = {}): Promise<AppletView> {
    return changeCardState(this.#lifecycleContext(), tokenRef, 'delete', options);
  }

  #lifecycleContext(): CardLifecycleContext {
    return {
      secureElement: this.#se,
      clientFor: (r) => this.#client(r),
      persist: () => this.#save(),
    };
  }

  /**
   * Pays with a card (DESIGN step 7): the applet takes its next ATC and makes the ARQC, the wallet
   * saves the new ATC, and the result is the authorization request the merchant's acquirer sends
   * to the card network. Nothing goes to a region from here.
   */
  async pay(options: PayOptions): Promise<api.AuthorizationRequest> {
    const request = authorizationRequestFor(this.#se, options);
    await this.#save();
    return request;
  }

  /** This device's authorizations, newest first: in `region`, or in every region it holds cards in. */
  transactions(
    region?: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<api.TransactionView[]> {
    const regions =
      region === undefined ? [...new Set(this.#se.applets().map((a) => a.region))] : [region];
    return listTransactions((r) => this.#client(r), regions, options);
  }

  async #recordGuest(client: RegionClient): Promise<void> {
    const known = this.#state.guests[client.region];
    // The guest account is the home region's pseudonym there and the device is its key: once
    // learnt, the same at every later redirect, so no round trip to ask again.
    if (known?.accountId !== undefined && known.deviceId !== undefined) return;
    const me = await client.account().catch(() => undefined);
    const since = known?.since ?? new Date().toISOString();
    this.#state.guests[client.region] = {
      since,
      ...(me === undefined ? {} : { accountId: me.accountId, deviceId: me.deviceId }),
    };
    await this.#save();
  }

  #client(region: string): RegionClient {
    let client = this.#clients.get(region);
    if (client === undefined) {
      const entry = this.directory.region(region);
      if (entry === undefined)
        throw new DomicileError('DIRECTORY_INVALID', { details: { region } });
      client = new RegionClient({
        region,
        baseUrl: entry.baseUrl,
        signer: this.#se,
        ...transportOptions(this.#runtime),
      });
      this.#clients.set(region, client);
    }
    return client;
  }

  /** Keeps a newer directory (and a moved authority pin): saved, and clients rebuilt from it. */
  async #adoptDirectory(held: HeldDirectoryState): Promise<void> {
    this.#state.directory = held.jws;
    this.#state.authorityKey = held.authorityKey;
    this.#state.directoryCheckedAt = held.checkedAt;
    // A region's base URL may have changed: clients are made again from the new directory.
    this.#clients.clear();
    await this.#save();
  }

  /** Saves in order: each save writes the whole state as it is when its turn comes. */
  #save(): Promise<void> {
    const next = this.#saving.then(() => this.#store.save(this.#state, this.#se));
    this.#saving = next.catch(() => undefined);
    return next;
  }
}
