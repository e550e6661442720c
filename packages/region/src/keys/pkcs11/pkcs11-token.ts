import { readFile } from 'node:fs/promises';
import type { PKCS11 } from 'pkcs11js';
import { DomicileError } from '@domicile/protocol';
import {
  readUlong,
  type Pkcs11Binding,
  type Pkcs11Handle,
  type Pkcs11Template,
} from './pkcs11-binding.js';
import { Pkcs11Library } from './pkcs11-library.js';

/** Where the region's keys live in an HSM: the library, the token and the PIN that opens it. */
export interface Pkcs11TokenOptions {
  /** Path of the HSM vendor's PKCS#11 library (for SoftHSM2: `/usr/lib/softhsm/libsofthsm2.so`). */
  readonly module: string;
  /** The token, by its label or by its slot id. */
  readonly token: { readonly label: string } | { readonly slot: number };
  /**
   * File holding the user PIN on one line. Only ever a file: a PIN in the configuration text or
   * on the command line would be readable by anyone who can read the file or list processes.
   */
  readonly pinFile: string;
  /** Most sessions open at once, so that many operations run in parallel (default 4). */
  readonly maxSessions?: number;
}

/**
 * An open, logged-in PKCS#11 token, with a small pool of sessions: an operation (`C_SignInit`
 * then `C_Sign`) holds one session from start to end, so operations never interleave on one.
 * Everything that can be wrong with the options fails in {@link Pkcs11Token.open}.
 */
export class Pkcs11Token {
  /** The binding's constants and the loaded library, for the key adapters of this folder. */
  readonly binding: Pkcs11Binding;
  readonly pkcs11: PKCS11;
  readonly #library: Pkcs11Library;
  readonly #slotKey: string;
  readonly #slot: Pkcs11Handle;
  readonly #maxSessions: number;
  readonly #sessions: Pkcs11Handle[] = [];
  readonly #idle: Pkcs11Handle[] = [];
  readonly #waiting: ((session: Pkcs11Handle) => void)[] = [];
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  private constructor(library: Pkcs11Library, slot: Pkcs11Handle, maxSessions: number) {
    this.binding = library.binding;
    this.pkcs11 = library.pkcs11;
    this.#library = library;
    this.#slot = slot;
    this.#slotKey = slot.toString('hex');
    this.#maxSessions = maxSessions;
  }

  /**
   * Loads the library, reads the PIN, finds the token and logs in. Fails with
   * `HSM_MODULE_UNAVAILABLE`, `CONFIG_INVALID` (the PIN file), `HSM_TOKEN_NOT_FOUND` or
   * `HSM_PIN_REJECTED`.
   */
  static async open(options: Pkcs11TokenOptions): Promise<Pkcs11Token> {
    const maxSessions = options.maxSessions ?? 4;
    if (!Number.isInteger(maxSessions) || maxSessions < 1)
      throw new DomicileError('CONFIG_INVALID', {
        details: { reason: 'maxSessions must be a positive integer' },
      });
    const library = await Pkcs11Library.acquire(options.module);
    let token: Pkcs11Token;
    let pin: string;
    try {
      pin = await readPin(options.pinFile);
      token = new Pkcs11Token(library, findSlot(library, options.token), maxSessions);
    } catch (error) {
      library.release();
      throw error;
    }
    try {
      const session = token.#openSession();
      token.#idle.push(session);
      library.login(token.#slotKey, session, pin);
      return token;
    } catch (error) {
      token.#closeSessions();
      library.release();
      throw error;
    }
  }

  /** Runs `work` with a session of its own; waits for one when all `maxSessions` are busy. */
  withSession<T>(work: (session: Pkcs11Handle) => Promise<T> | T): Promise<T> {
    if (this.#closed) return Promise.reject(new DomicileError('SERVICE_UNAVAILABLE'));
    const running = this.#acquire().then(async (session) => {
      try {
        return await work(session);
      } finally {
        this.#release(session);
      }
    });
    // Tracked settled (never rejecting), so close() can wait for it without owning its error.
    const settled: Promise<void> = running
      .then(
        () => this.#running.delete(settled),
        () => this.#running.delete(settled),
      )
      .then(() => undefined);
    this.#running.add(settled);
    return running;
  }

  /** Every object whose attributes match `template` (visible to the logged-in user). */
  findObjects(session: Pkcs11Handle, template: Pkcs11Template): Pkcs11Handle[] {
    this.pkcs11.C_FindObjectsInit(session, template);
    try {
      const found: Pkcs11Handle[] = [];
      for (;;) {
        const batch = this.pkcs11.C_FindObjects(session, 32);
        if (batch.length === 0) return found;
        found.push(...batch);
      }
    } finally {
      this.pkcs11.C_FindObjectsFinal(session);
    }
  }

  /** Reads attributes of an object, by attribute type (`CKA_*`), as the token encodes them. */
  readAttributes(
    session: Pkcs11Handle,
    object: Pkcs11Handle,
    types: readonly number[],
  ): Map<number, Buffer> {
    const values = this.pkcs11.C_GetAttributeValue(
      session,
      object,
      types.map((type) => ({ type })),
    );
    return new Map(values.map(({ type, value }) => [type, value]));
  }

  /** Waits for running operations, then closes this token's sessions and logs out if last. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#running);
    const [first] = this.#sessions;
    if (first !== undefined) this.#library.logout(this.#slotKey, first);
    this.#closeSessions();
    this.#library.release();
  }

  #closeSessions(): void {
    for (const session of this.#sessions.splice(0)) {
      try {
        this.pkcs11.C_CloseSession(session);
      } catch {
        // Already gone with the token; nothing else to release.
      }
    }
  }

  #openSession(): Pkcs11Handle {
    const { CKF_SERIAL_SESSION, CKF_RW_SESSION } = this.binding;
    // Read-write: creating token keys and the short-lived session keys of a wrap needs it.
    const session = this.pkcs11.C_OpenSession(this.#slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    this.#sessions.push(session);
    return session;
  }

  #acquire(): Promise<Pkcs11Handle> {
    const idle = this.#idle.pop();
    if (idle !== undefined) return Promise.resolve(idle);
    // The executor runs at once, so the new session counts before the next caller looks; a
    // failure to open one rejects.
    if (this.#sessions.length < this.#maxSessions)
      return new Promise((resolve) => resolve(this.#openSession()));
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(session: Pkcs11Handle): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#idle.push(session);
    else next(session);
  }
}

async function readPin(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DomicileError('CONFIG_INVALID', {
      details: { file, reason: 'PIN file unreadable' },
      cause,
    });
  }
  const pin = text.replace(/\r?\n$/, '');
  if (pin.length === 0 || /[\r\n]/.test(pin))
    throw new DomicileError('CONFIG_INVALID', {
      details: { file, reason: 'PIN file must hold the PIN alone on one line' },
    });
  return pin;
}

function findSlot(library: Pkcs11Library, token: Pkcs11TokenOptions['token']): Pkcs11Handle {
  const slots = library.pkcs11.C_GetSlotList(true);
  if ('slot' in token) {
    const slot = slots.find((s) => readUlong(s) === BigInt(token.slot));
    if (slot === undefined)
      throw new DomicileError('HSM_TOKEN_NOT_FOUND', {
        details: { reason: 'no_token_in_slot', slot: token.slot },
      });
    return slot;
  }
  // Token labels are 32 bytes padded with spaces (PKCS#11 CK_TOKEN_INFO).
  const matching = slots.filter(
    (s) => library.pkcs11.C_GetTokenInfo(s).label.trimEnd() === token.label,
  );
  const [slot, other] = matching;
  if (slot === undefined || other !== undefined)
    throw new DomicileError('HSM_TOKEN_NOT_FOUND', {
      details: {
        reason: slot === undefined ? 'no_token_with_label' : 'label_ambiguous',
        label: token.label,
      },
    });
  return slot;
}
