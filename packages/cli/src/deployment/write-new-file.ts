import { chmod, writeFile } from 'node:fs/promises';
import { DomicileError } from '@domicile/protocol';

/** How a deployment file is written: its mode, and whether an existing file may be replaced. */
export interface WriteOptions {
  /** 0o600 for anything secret (a private key, a token), 0o644 for what anyone may read. */
  readonly mode: number;
  /** Replace a file that exists (the command's `--force`); else it is refused, untouched. */
  readonly force?: boolean;
}

/**
 * Writes `text` to `file`, creating it with `mode`. Without `force` an existing file is refused
 * (`FILE_EXISTS`) and left as it was: a key generated over another one would lock out everything
 * that trusted the old one. With `force` the file is replaced and its mode set again, since a mode
 * given to `writeFile` applies only to a file it creates.
 */
export async function writeNewFile(
  file: string,
  text: string,
  options: WriteOptions,
): Promise<void> {
  try {
    await writeFile(file, text, { mode: options.mode, flag: options.force === true ? 'w' : 'wx' });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST')
      throw new DomicileError('FILE_EXISTS', { details: { file, option: '--force' }, cause });
    throw cause;
  }
  if (options.force === true) await chmod(file, options.mode);
}

/** {@link writeNewFile} for a JSON value, indented as people read it. */
export function writeJsonFile(file: string, value: unknown, options: WriteOptions): Promise<void> {
  return writeNewFile(file, `${JSON.stringify(value, null, 2)}\n`, options);
}
