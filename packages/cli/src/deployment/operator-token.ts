import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { DomicileError } from '@domicile/protocol';
import { operatorTokenHash } from '@domicile/region';

/** A new operator token for a region's support API, and the SHA-256 the region keeps of it. */
export interface OperatorToken {
  /** The bearer token: 32 random bytes, base64url. Shown once; the region never stores it. */
  readonly token: string;
  /** Lowercase hex SHA-256 of the token: what `operatorTokenHashes` (`--operator-token-hash`) holds. */
  readonly hash: string;
}

export function createOperatorToken(): OperatorToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: operatorTokenHash(token) };
}

/**
 * Adds `hash` to the `operatorTokenHashes` list of a region's YAML configuration file (the
 * `--config` file of `region serve`), keeping its other settings and comments; creates the file
 * when it does not exist. Returns false when the hash was listed already. The file is replaced
 * whole (written beside it, then renamed), so a node starting meanwhile reads the old or the new.
 */
export async function addOperatorTokenHash(configFile: string, hash: string): Promise<boolean> {
  const text = await readFile(configFile, 'utf8').catch((cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new DomicileError('CONFIG_INVALID', {
      details: { file: configFile, reason: 'unreadable' },
      cause,
    });
  });
  const doc = parseDocument(text);
  const invalid = (reason: string): DomicileError =>
    new DomicileError('CONFIG_INVALID', {
      details: { file: configFile, field: 'operatorTokenHashes', reason },
    });
  if (doc.errors.length > 0) throw invalid('not YAML');
  // A new file, or one holding only comments.
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  if (!isMap(doc.contents)) throw invalid('not a map of settings');
  const list: unknown = doc.get('operatorTokenHashes');
  if (list === undefined) {
    doc.set('operatorTokenHashes', doc.createNode([hash]));
  } else {
    if (!isSeq(list)) throw invalid('not a list');
    if (list.items.some((item) => isScalar(item) && item.value === hash)) return false;
    list.add(doc.createNode(hash));
  }
  // It names files, never holds a secret: readable by all unless the operator chose otherwise.
  const mode = text === '' ? 0o644 : (await stat(configFile)).mode & 0o777;
  const next = `${configFile}.${process.pid}.tmp`;
  await writeFile(next, doc.toString(), { mode });
  await rename(next, configFile);
  return true;
}
