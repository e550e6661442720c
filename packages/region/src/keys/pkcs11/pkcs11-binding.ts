import type * as Pkcs11js from 'pkcs11js';
import { DomicileError } from '@domicile/protocol';

/** The `pkcs11js` module: its `PKCS11` class and the PKCS#11 constants (`CKA_*`, `CKM_*`, ...). */
export type Pkcs11Binding = typeof Pkcs11js;
/** A PKCS#11 handle (slot, session or object) as `pkcs11js` passes it: the native `CK_ULONG`. */
export type Pkcs11Handle = Pkcs11js.Handle;
export type Pkcs11Template = Pkcs11js.Template;

let binding: Promise<Pkcs11Binding> | undefined;

/**
 * Loads `pkcs11js` on first use. It is an optional dependency (a native addon compiled at
 * install): a region whose keys are files never loads it, and one configured for an HSM without
 * it fails at start with `HSM_MODULE_UNAVAILABLE`, reason `binding_not_installed`.
 */
export function loadPkcs11Binding(): Promise<Pkcs11Binding> {
  binding ??= import('pkcs11js').then(
    (loaded) => loaded.default,
    (cause: unknown) => {
      binding = undefined;
      throw new DomicileError('HSM_MODULE_UNAVAILABLE', {
        details: { reason: 'binding_not_installed', package: 'pkcs11js' },
        cause,
      });
    },
  );
  return binding;
}

/** The `CKR_*` name of a PKCS#11 failure, or undefined for anything else. */
export function ckrOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'Pkcs11Error') return undefined;
  return /^CKR_[A-Z_]+$/.test(error.message) ? error.message : undefined;
}

/** A native `CK_ULONG` (a handle, or an attribute such as `CKA_CLASS`) as a number. */
export function readUlong(bytes: Buffer): bigint {
  let value = 0n;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[littleEndian ? bytes.length - 1 - i : i] ?? 0;
    value = (value << 8n) | BigInt(byte);
  }
  return value;
}
