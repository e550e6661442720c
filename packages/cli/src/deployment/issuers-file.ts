import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DomicileError, PublicJwkSchema } from '@domicile/protocol';
import type { TrustedIssuerConfig } from '@domicile/region';
import { UsageError } from '../io/index.js';

/**
 * The issuers a region trusts for its issuer API, as a JSON list (`region serve --issuers`):
 * each issuer's id, public key, card products and optional webhook URL. Nothing in it is secret.
 */
const TrustedIssuersFile = Type.Array(
  Type.Object(
    {
      id: Type.String({ minLength: 1, maxLength: 64 }),
      publicKey: PublicJwkSchema,
      webhookUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
      productIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
);

/** Reads and checks an issuers file; an unreadable or invalid one is a usage error naming it. */
export async function readTrustedIssuers(file: string): Promise<TrustedIssuerConfig[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new UsageError('CONFIG_INVALID', { file, reason: 'unreadable or not JSON' }, cause);
  }
  return checkTrustedIssuers(file, parsed);
}

function checkTrustedIssuers(file: string, parsed: unknown): TrustedIssuerConfig[] {
  if (!Value.Check(TrustedIssuersFile, parsed)) {
    throw new UsageError('CONFIG_INVALID', {
      file,
      reason: Value.Errors(TrustedIssuersFile, parsed).First()?.path ?? 'schema',
    });
  }
  return parsed as TrustedIssuerConfig[];
}

/**
 * Adds an issuer to a region's issuers file, creating the file when it does not exist. An issuer
 * already listed under the same id with the same entry is left as it is (`changed: false`); with
 * another key, products or webhook it is replaced only with `force`, since the old key stops
 * working. The file is written beside and renamed over the old one: a node that starts meanwhile
 * reads a whole list.
 */
export async function trustIssuer(
  file: string,
  issuer: TrustedIssuerConfig,
  options: { readonly force?: boolean } = {},
): Promise<{ readonly issuers: readonly TrustedIssuerConfig[]; readonly changed: boolean }> {
  const existing = await readFile(file, 'utf8').then(
    (text) => text,
    (cause: unknown) => {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new UsageError('CONFIG_INVALID', { file, reason: 'unreadable' }, cause);
    },
  );
  let issuers: TrustedIssuerConfig[] = [];
  if (existing !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch (cause) {
      throw new UsageError('CONFIG_INVALID', { file, reason: 'not JSON' }, cause);
    }
    issuers = checkTrustedIssuers(file, parsed);
  }
  const entry = checkTrustedIssuers(file, [issuer])[0] ?? issuer;
  const index = issuers.findIndex((i) => i.id === entry.id);
  const listed = issuers[index];
  if (listed !== undefined && JSON.stringify(listed) === JSON.stringify(entry))
    return { issuers, changed: false };
  if (listed !== undefined && options.force !== true)
    throw new DomicileError('FILE_EXISTS', {
      details: { file, issuer: entry.id, reason: 'listed with another entry', option: '--force' },
    });
  const next =
    index === -1 ? [...issuers, entry] : issuers.map((i, n) => (n === index ? entry : i));
  const mode = existing === undefined ? 0o644 : (await stat(file)).mode & 0o777;
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode });
  await rename(temporary, file);
  return { issuers: next, changed: true };
}
