import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DomicileError } from '@domicile/protocol';
import { WalletState } from './wallet-state.js';

/** scrypt cost (RFC 7914). N = 2^15 with r = 8 needs 32 MiB, hence the explicit `maxmem`. */
export interface KdfParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_KDF: KdfParams = { N: 2 ** 15, r: 8, p: 1 };
const MIN_N = 2 ** 15;
const MAX_N = 2 ** 20;
const FORMAT = 'domicile-wallet';
const B64U = '^[A-Za-z0-9_-]+$';

const Envelope = Type.Object({
  format: Type.Literal(FORMAT),
  version: Type.Literal(1),
  kdf: Type.Object({
    name: Type.Literal('scrypt'),
    N: Type.Integer({ minimum: MIN_N, maximum: MAX_N }),
    r: Type.Integer({ minimum: 8, maximum: 32 }),
    p: Type.Integer({ minimum: 1, maximum: 16 }),
    salt: Type.String({ pattern: B64U, minLength: 22, maxLength: 22 }),
  }),
  cipher: Type.Object({
    name: Type.Literal('A256GCM'),
    iv: Type.String({ pattern: B64U, minLength: 16, maxLength: 16 }),
  }),
  ciphertext: Type.String({ pattern: B64U }),
  tag: Type.String({ pattern: B64U, minLength: 22, maxLength: 22 }),
});
type Envelope = Static<typeof Envelope>;
type Header = Pick<Envelope, 'format' | 'version' | 'kdf' | 'cipher'>;

// The header is authenticated as GCM additional data in one fixed field order, so a changed
// cost, salt or IV fails exactly like a wrong passphrase.
function headerAad(h: Header): Buffer {
  const { name, N, r, p, salt } = h.kdf;
  return Buffer.from(
    JSON.stringify({
      format: h.format,
      version: h.version,
      kdf: { name, N, r, p, salt },
      cipher: { name: h.cipher.name, iv: h.cipher.iv },
    }),
  );
}

function isSaneKdf(kdf: KdfParams): boolean {
  return (
    kdf.N >= MIN_N &&
    kdf.N <= MAX_N &&
    Number.isInteger(Math.log2(kdf.N)) &&
    kdf.r >= 8 &&
    kdf.r <= 32 &&
    kdf.p >= 1 &&
    kdf.p <= 16
  );
}

function deriveKey(passphrase: string, salt: Buffer, kdf: KdfParams): Promise<Buffer> {
  const maxmem = 128 * kdf.N * kdf.r * 2;
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem },
      (err, key) => (err === null ? resolve(key) : reject(err)),
    );
  });
}

/** Writes via a temp file, fsync and rename (or link, which refuses to replace), file mode 0600. */
async function writeAtomic(path: string, data: string, exclusive: boolean): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (exclusive) {
      await link(tmp, path);
      await unlink(tmp);
    } else {
      await rename(tmp, path);
    }
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST')
      throw new DomicileError('WALLET_EXISTS');
    throw cause;
  }
  // The rename is durable only once the directory entry is on disk too.
  const dir = await open(dirname(path), 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

/**
 * The wallet, persisted as one file encrypted at rest: passphrase → scrypt → AES-256-GCM, with
 * the JSON header (format, version, kdf, IV) as additional authenticated data. The derived key is
 * kept in memory so that each save costs one encryption, not one scrypt.
 */
export class WalletFile {
  readonly #key: Buffer;
  readonly #kdf: Envelope['kdf'];

  private constructor(
    readonly path: string,
    key: Buffer,
    kdf: Envelope['kdf'],
  ) {
    this.#key = key;
    this.#kdf = kdf;
  }

  /** Creates the file; an existing file at `path` is never replaced ('WALLET_EXISTS'). */
  static async create(
    path: string,
    passphrase: string,
    state: WalletState,
    options: { kdf?: KdfParams } = {},
  ): Promise<WalletFile> {
    if (passphrase.length === 0)
      throw new DomicileError('VALIDATION_FAILED', { details: { field: 'passphrase' } });
    const params = options.kdf ?? DEFAULT_KDF;
    if (!isSaneKdf(params))
      throw new DomicileError('CONFIG_INVALID', { details: { reason: 'scrypt parameters' } });
    // Checked before the costly scrypt; the final link() still refuses to replace a racing file.
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      throw new DomicileError('WALLET_EXISTS');
    const salt = randomBytes(16);
    const kdf = {
      name: 'scrypt' as const,
      N: params.N,
      r: params.r,
      p: params.p,
      salt: salt.toString('base64url'),
    };
    const file = new WalletFile(path, await deriveKey(passphrase, salt, params), kdf);
    await writeAtomic(path, file.#seal(state), true);
    return file;
  }

  /** Opens and decrypts the file. Wrong passphrase, tampering or damage are all 'WALLET_LOCKED'. */
  static async open(
    path: string,
    passphrase: string,
  ): Promise<{ file: WalletFile; state: WalletState }> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT')
        throw new DomicileError('WALLET_NOT_FOUND');
      throw new DomicileError('WALLET_LOCKED', { cause });
    }
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch (cause) {
      throw new DomicileError('WALLET_LOCKED', { cause });
    }
    if (!Value.Check(Envelope, envelope) || !isSaneKdf(envelope.kdf))
      throw new DomicileError('WALLET_LOCKED', { cause: 'envelope' });
    const key = await deriveKey(
      passphrase,
      Buffer.from(envelope.kdf.salt, 'base64url'),
      envelope.kdf,
    );
    let state: unknown;
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        key,
        Buffer.from(envelope.cipher.iv, 'base64url'),
      );
      decipher.setAAD(headerAad(envelope));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64url'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(envelope.ciphertext, 'base64url')),
        decipher.final(),
      ]);
      state = JSON.parse(plain.toString('utf8'));
    } catch (cause) {
      throw new DomicileError('WALLET_LOCKED', { cause });
    }
    if (!Value.Check(WalletState, state))
      throw new DomicileError('WALLET_LOCKED', { cause: 'state schema' });
    return { file: new WalletFile(path, key, envelope.kdf), state };
  }

  /** Replaces the file's content atomically with `state`, under a fresh IV. */
  async save(state: WalletState): Promise<void> {
    await writeAtomic(this.path, this.#seal(state), false);
  }

  #seal(state: WalletState): string {
    const iv = randomBytes(12);
    const header: Header = {
      format: FORMAT,
      version: 1,
      kdf: this.#kdf,
      cipher: { name: 'A256GCM', iv: iv.toString('base64url') },
    };
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(headerAad(header));
    const ciphertext = Buffer.concat([
      cipher.update(JSON.stringify(state), 'utf8'),
      cipher.final(),
    ]);
    const envelope: Envelope = {
      ...header,
      ciphertext: ciphertext.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
    return `${JSON.stringify(envelope, null, 2)}\n`;
  }
}
