import { Type } from '@sinclair/typebox';
import type { KeyProviderConfig } from '@domicile/region';
import { UsageError } from '../io/index.js';
import type { ErrorDetails } from '@domicile/protocol';
import type { SettingSpec } from '../settings/index.js';
import { PATH } from './deployment-settings.js';

/**
 * Where the region's signing key, TSM key and vault KEK are: in the key file (`file`, the
 * default) or in a PKCS#11 token (`pkcs11`). In the token, each key is under the label of its
 * `kid` in the key file (the KEK: its `vaultKekId`), as `keys generate --hsm` makes them. The
 * PIN is only ever read from a file.
 */
export const KEY_PROVIDER_PROPERTIES = {
  keyProvider: Type.Union([Type.Literal('file'), Type.Literal('pkcs11')], { default: 'file' }),
  pkcs11Module: Type.Optional(Type.String(PATH)),
  pkcs11TokenLabel: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  pkcs11Slot: Type.Optional(Type.Integer({ minimum: 0 })),
  pkcs11PinFile: Type.Optional(Type.String(PATH)),
};

export const KEY_PROVIDER_SPECS: {
  readonly [K in keyof typeof KEY_PROVIDER_PROPERTIES]: SettingSpec;
} = {
  keyProvider: {
    flag: '--key-provider',
    placeholder: '<kind>',
    help: 'where the signing key, TSM key and vault KEK are: file (the key file) or pkcs11 (an HSM)',
    expects: 'file or pkcs11',
  },
  pkcs11Module: {
    flag: '--pkcs11-module',
    placeholder: '<file>',
    help: "the HSM vendor's PKCS#11 library (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)",
    expects: 'a file path',
  },
  pkcs11TokenLabel: {
    flag: '--pkcs11-token-label',
    placeholder: '<label>',
    help: 'the token holding the keys, by label (or --pkcs11-slot)',
    expects: 'a token label (1 to 32 characters)',
  },
  pkcs11Slot: {
    flag: '--pkcs11-slot',
    placeholder: '<id>',
    help: 'the token holding the keys, by slot id (or --pkcs11-token-label)',
    expects: 'a slot id (an integer, 0 or more)',
  },
  pkcs11PinFile: {
    flag: '--pkcs11-pin-file',
    placeholder: '<file>',
    help: "file holding the token's user PIN, alone on one line",
    expects: 'a file path',
  },
};

type KeyProviderSettings = {
  readonly [K in keyof typeof KEY_PROVIDER_PROPERTIES]?: K extends 'keyProvider'
    ? 'file' | 'pkcs11'
    : K extends 'pkcs11Slot'
      ? number
      : string;
};

/**
 * The key provider the settings name. `pkcs11` needs the module, the PIN file and the token by
 * exactly one of label and slot; `file` takes none of them (a half-configured HSM is refused,
 * not ignored). A {@link UsageError} names the setting.
 */
export function keyProviderOf(settings: {
  readonly values: KeyProviderSettings;
  sourceOf(key: keyof KeyProviderSettings): ErrorDetails;
}): KeyProviderConfig {
  const s = settings.values;
  const refuse = (key: keyof KeyProviderSettings, reason: string): UsageError =>
    new UsageError('CONFIG_INVALID', { ...settings.sourceOf(key), reason });
  const pkcs11Keys = ['pkcs11Module', 'pkcs11TokenLabel', 'pkcs11Slot', 'pkcs11PinFile'] as const;
  if (s.keyProvider !== 'pkcs11') {
    const given = pkcs11Keys.find((key) => s[key] !== undefined);
    if (given !== undefined) throw refuse(given, 'only with keyProvider pkcs11');
    return { kind: 'file' };
  }
  if (s.pkcs11Module === undefined) throw refuse('pkcs11Module', 'required by keyProvider pkcs11');
  if (s.pkcs11PinFile === undefined)
    throw refuse('pkcs11PinFile', 'required by keyProvider pkcs11');
  if ((s.pkcs11TokenLabel === undefined) === (s.pkcs11Slot === undefined))
    throw refuse(
      s.pkcs11Slot === undefined ? 'pkcs11TokenLabel' : 'pkcs11Slot',
      'keyProvider pkcs11 needs the token by label or by slot, not both',
    );
  return {
    kind: 'pkcs11',
    token: {
      module: s.pkcs11Module,
      token:
        s.pkcs11Slot === undefined ? { label: s.pkcs11TokenLabel ?? '' } : { slot: s.pkcs11Slot },
      pinFile: s.pkcs11PinFile,
    },
  };
}
