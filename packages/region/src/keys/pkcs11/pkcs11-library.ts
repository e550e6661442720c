import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import type { PKCS11 } from 'pkcs11js';
import { DomicileError } from '@domicile/protocol';
import {
  ckrOf,
  loadPkcs11Binding,
  type Pkcs11Binding,
  type Pkcs11Handle,
} from './pkcs11-binding.js';

/** A logged-in token of this process: how many users share the login, and a digest of its PIN. */
interface Login {
  users: number;
  readonly pinDigest: Buffer;
}

/**
 * One loaded PKCS#11 library (module), shared by everything in the process that opened it.
 * `C_Initialize`, `C_Finalize` and the login state are per application, not per caller: a second
 * `C_Initialize` fails, a `C_Finalize` or `C_Logout` ends every other caller's sessions too. So
 * the library counts its users and finalizes with the last one, and each token's login is counted
 * the same way.
 */
export class Pkcs11Library {
  readonly binding: Pkcs11Binding;
  readonly pkcs11: PKCS11;
  readonly #path: string;
  readonly #logins = new Map<string, Login>();
  readonly #pinSalt = randomBytes(16);
  #users = 1;

  private constructor(binding: Pkcs11Binding, pkcs11: PKCS11, path: string) {
    this.binding = binding;
    this.pkcs11 = pkcs11;
    this.#path = path;
  }

  /** The library at `modulePath`, loaded and initialized on first use; `release` it when done. */
  static async acquire(modulePath: string): Promise<Pkcs11Library> {
    const path = await realpath(modulePath).catch((cause: unknown) => {
      throw unavailable('module_not_found', modulePath, cause);
    });
    const loading = libraries.get(path);
    if (loading !== undefined) {
      const library = await loading;
      // Released to zero while this caller waited: it is being finalized, so load it anew.
      if (library.#users === 0) return Pkcs11Library.acquire(modulePath);
      library.#users += 1;
      return library;
    }
    const started = Pkcs11Library.#load(path, modulePath);
    libraries.set(path, started);
    started.catch(() => libraries.delete(path));
    return started;
  }

  static async #load(path: string, modulePath: string): Promise<Pkcs11Library> {
    const binding = await loadPkcs11Binding();
    const pkcs11 = new binding.PKCS11();
    try {
      pkcs11.load(path);
    } catch (cause) {
      throw unavailable('module_unloadable', modulePath, cause);
    }
    try {
      // The library may take its own locks: the binding calls it from libuv's worker threads.
      pkcs11.C_Initialize({ flags: binding.CKF_OS_LOCKING_OK });
    } catch (cause) {
      pkcs11.close();
      throw unavailable('initialize_failed', modulePath, cause);
    }
    return new Pkcs11Library(binding, pkcs11, path);
  }

  /**
   * Logs the application in to the token of `slotKey` with the user PIN, once for every caller.
   * A later caller's PIN is compared with the one the token accepted, so a wrong PIN is refused
   * even when the token is already logged in.
   */
  login(slotKey: string, session: Pkcs11Handle, pin: string): void {
    const pinDigest = createHash('sha256').update(this.#pinSalt).update(pin, 'utf8').digest();
    const login = this.#logins.get(slotKey);
    if (login !== undefined) {
      if (!timingSafeEqual(login.pinDigest, pinDigest)) throw pinRejected('pin_incorrect');
      login.users += 1;
      return;
    }
    try {
      this.pkcs11.C_Login(session, this.binding.CKU_USER, pin);
    } catch (cause) {
      // Logged in already by code of this process that does not go through this class.
      if (ckrOf(cause) !== 'CKR_USER_ALREADY_LOGGED_IN') throw pinRejected(reasonOf(cause), cause);
    }
    this.#logins.set(slotKey, { users: 1, pinDigest });
  }

  /** Ends one caller's login; the last one logs the token out (through one of its own sessions). */
  logout(slotKey: string, session: Pkcs11Handle): void {
    const login = this.#logins.get(slotKey);
    if (login === undefined || --login.users > 0) return;
    this.#logins.delete(slotKey);
    try {
      this.pkcs11.C_Logout(session);
    } catch {
      // Closing the token's last session logs it out anyway.
    }
  }

  /** How many libraries are loaded in this process: none once every user has released its own. */
  static loadedCount(): number {
    return libraries.size;
  }

  /** Drops one user; the last one finalizes and unloads the library. */
  release(): void {
    if (--this.#users > 0) return;
    libraries.delete(this.#path);
    try {
      this.pkcs11.C_Finalize();
    } finally {
      this.pkcs11.close();
    }
  }
}

const libraries = new Map<string, Promise<Pkcs11Library>>();

function unavailable(reason: string, module: string, cause: unknown): DomicileError {
  return new DomicileError('HSM_MODULE_UNAVAILABLE', { details: { reason, module }, cause });
}

function pinRejected(reason: string, cause?: unknown): DomicileError {
  return new DomicileError('HSM_PIN_REJECTED', { details: { reason }, cause });
}

function reasonOf(cause: unknown): string {
  switch (ckrOf(cause)) {
    case 'CKR_PIN_LOCKED':
      return 'pin_locked';
    case 'CKR_PIN_EXPIRED':
      return 'pin_expired';
    case 'CKR_USER_PIN_NOT_INITIALIZED':
      return 'pin_not_initialized';
    case 'CKR_PIN_INCORRECT':
    case 'CKR_PIN_INVALID':
    case 'CKR_PIN_LEN_RANGE':
      return 'pin_incorrect';
    default:
      return 'login_failed';
  }
}
