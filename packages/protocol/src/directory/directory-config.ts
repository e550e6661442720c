import { definedProps } from '../util/index.js';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { DomicileError } from '../errors/index.js';
import type { PublicJwk } from '../jose/index.js';
import {
  NetworkIdSchema,
  PrefixRangeSchema,
  RegionIdSchema,
  type DirectoryDocument,
  type DirectoryKey,
} from './directory-schema.js';
import { directoryProblems } from './directory.js';

/**
 * A region's keys as the directory lists them: every key per purpose, with its validity. A lone
 * JWK stands for a one-key list valid from 0 (a region that never rotated).
 */
export interface RegionDirectoryKeys {
  readonly signing: PublicJwk | readonly DirectoryKey[];
  readonly encryption: PublicJwk | readonly DirectoryKey[];
  readonly tsm: PublicJwk | readonly DirectoryKey[];
}

function keyList(keys: PublicJwk | readonly DirectoryKey[]): DirectoryKey[] {
  if (Array.isArray(keys)) return [...(keys as readonly DirectoryKey[])];
  const { kty, crv, x, y, kid, alg, use } = keys as PublicJwk;
  return [{ kty, crv, x, y, kid, ...definedProps({ alg, use }), notBefore: 0 }];
}

/** The YAML file an operator writes (`config/regions.yaml`): the directory, less the keys. */
export const RegionsConfigSchema = Type.Object(
  {
    regions: Type.Array(
      Type.Object(
        {
          id: RegionIdSchema,
          name: Type.String({ minLength: 1, maxLength: 80 }),
          baseUrl: Type.String({ pattern: '^https?://[^/?#]+$' }),
          routing: Type.Array(PrefixRangeSchema, { minItems: 1 }),
          tokenRanges: Type.Array(PrefixRangeSchema, { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    /** Card networks whose routers send authorizations; each gets a signing key (`keys/<id>.network.json`). */
    networks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: NetworkIdSchema,
            name: Type.String({ minLength: 1, maxLength: 80 }),
            baseUrl: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+$' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export type RegionsConfig = Static<typeof RegionsConfigSchema>;

export function parseRegionsConfig(text: string): RegionsConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw new DomicileError('CONFIG_INVALID', { details: { reason: 'YAML syntax' }, cause });
  }
  if (!Value.Check(RegionsConfigSchema, doc)) {
    const first = Value.Errors(RegionsConfigSchema, doc).First();
    throw new DomicileError('CONFIG_INVALID', {
      details: { reason: first === undefined ? 'schema' : `${first.path}: ${first.message}` },
    });
  }
  return doc;
}

/** Joins the operator's config with each region's public keys into the document the authority signs. */
export function buildDirectoryDocument(
  config: RegionsConfig,
  keys: ReadonlyMap<string, RegionDirectoryKeys>,
  options: {
    serial: number;
    /** The authority key holders should pin (set during an authority rotation). */
    authority?: PublicJwk;
    issuedAt?: number;
    baseUrls?: ReadonlyMap<string, string>;
    /** The signing key of each network of `config.networks`, and where its router listens. */
    networkKeys?: ReadonlyMap<string, PublicJwk>;
    networkBaseUrls?: ReadonlyMap<string, string>;
  },
): DirectoryDocument {
  const doc: DirectoryDocument = {
    format: 'domicile-directory/2',
    serial: options.serial,
    issuedAt: options.issuedAt ?? Math.floor(Date.now() / 1000),
    ...(options.authority === undefined ? {} : { authority: { key: options.authority } }),
    regions: config.regions.map((r) => {
      const k = keys.get(r.id);
      if (k === undefined)
        throw new DomicileError('CONFIG_INVALID', {
          details: { reason: `no keys for region ${r.id}` },
        });
      const listed = {
        signing: keyList(k.signing),
        encryption: keyList(k.encryption),
        tsm: keyList(k.tsm),
      };
      return { ...r, baseUrl: options.baseUrls?.get(r.id) ?? r.baseUrl, keys: listed };
    }),
    ...(config.networks === undefined
      ? {}
      : {
          networks: config.networks.map((n) => {
            const signing = options.networkKeys?.get(n.id);
            if (signing === undefined)
              throw new DomicileError('CONFIG_INVALID', {
                details: { reason: `no key for network ${n.id}` },
              });
            const baseUrl = options.networkBaseUrls?.get(n.id) ?? n.baseUrl;
            return { id: n.id, name: n.name, ...definedProps({ baseUrl }), keys: { signing } };
          }),
        }),
  };
  const problems = directoryProblems(doc);
  if (problems.length > 0)
    throw new DomicileError('CONFIG_INVALID', { details: { reason: problems.join('; ') } });
  return doc;
}
