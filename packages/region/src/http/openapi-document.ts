import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { api } from '@domicile/protocol';

/**
 * How each caller proves who it is, as OpenAPI security schemes. Only the device's proof and the
 * operator's token travel in headers; networks, issuers and regions sign the request itself, a
 * compact JWS in the JSON body, which OpenAPI has no scheme type for: those are declared as
 * `http` schemes named after the signature, whose `x-domicile-signed-body` names the body field
 * holding the JWS and its `typ` (docs/protocol.md describes each).
 */
const SECURITY_SCHEMES = {
  DPoP: {
    type: 'apiKey',
    in: 'header',
    name: 'DPoP',
    description:
      'RFC 9449 proof of possession of the device signing key (ES256): a fresh JWS per request, `htu` the directory base URL plus the path. 401s carry `WWW-Authenticate: DPoP`.',
  },
  Operator: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An operator token of this region (support API): the region config holds its SHA-256.',
  },
  NetworkJws: {
    type: 'http',
    scheme: 'domicile-network-jws',
    description: `Not a header: the body's \`authorization\` is a compact JWS (typ \`${api.AUTHORIZATION_TYP}\`) by a card network's key listed in the signed directory, audience this region, single-use by \`jti\`.`,
    'x-domicile-signed-body': { field: 'authorization', typ: api.AUTHORIZATION_TYP },
  },
  IssuerJws: {
    type: 'http',
    scheme: 'domicile-issuer-jws',
    description: `Not a header: the body's \`request\` is a compact JWS (typ \`${api.ISSUER_API_TYP}\`) by a trusted issuer's key over the method, path and body, audience this region, single-use by \`jti\`. A GET, having no body, carries it in the \`${api.HEADERS.issuerRequest}\` header, signed over the path with its query as sent.`,
    'x-domicile-signed-body': { field: 'request', typ: api.ISSUER_API_TYP },
  },
  RegionJws: {
    type: 'http',
    scheme: 'domicile-region-jws',
    description: `Not a header: the body's \`request\` is a compact JWS (typ \`${api.REGION_REQUEST_TYP}\`, or \`${api.DEVICE_TOKENS_REQUEST_TYP}\` for a device-tokens look-up) by another region's signing key from the signed directory, audience this region, single-use by \`jti\`.`,
    'x-domicile-signed-body': { field: 'request', typ: api.REGION_REQUEST_TYP },
  },
};

/**
 * The schemas of `@domicile/protocol`'s API that get a name in `components.schemas`: every
 * exported TypeBox object or union. Each place the document repeats one becomes a `$ref`.
 */
function namedApiSchemas(): Map<string, unknown> {
  const named = new Map<string, unknown>();
  for (const [name, value] of Object.entries(api)) {
    if (typeof value !== 'object' || value === null || !/^[A-Z][A-Za-z0-9]+$/.test(name)) continue;
    const schema = value as { type?: unknown; anyOf?: unknown };
    // `ErrorBodySchema` is named `ErrorBody` in the document, as its type is in TypeScript.
    if (schema.type === 'object' || Array.isArray(schema.anyOf))
      named.set(name.replace(/Schema$/, ''), value);
  }
  return named;
}

/** JSON with sorted keys: two schemas are the same when this text is. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

type Json = unknown;

/**
 * A schema as `@fastify/swagger` writes it into the document (`patternProperties` as
 * `additionalProperties`, no `$id`), so that the protocol's schemas are recognised there.
 */
function asDocumented(node: Json): Json {
  if (Array.isArray(node)) return node.map(asDocumented);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node as Record<string, Json>)) {
    if (key === '$id') continue;
    if (key === 'patternProperties' && typeof value === 'object' && value !== null)
      out.additionalProperties = asDocumented(Object.values(value as Record<string, Json>)[0]);
    else out[key] = asDocumented(value);
  }
  return out;
}

/**
 * Moves every schema the document repeats from `@domicile/protocol` into `components.schemas`
 * under its exported name and refers to it, nested ones included. The route schemas stay plain
 * TypeBox (the same objects validate requests and the device's checks); only the document is
 * shaped here. Names are kept only for schemas that occur, so the document lists no unused one.
 */
export function withSharedComponents<T extends { paths?: unknown; components?: unknown }>(
  doc: T,
): T {
  const byText = new Map<string, string>();
  const schemaOf = new Map<string, Json>();
  for (const [name, schema] of namedApiSchemas()) {
    const plain = asDocumented(JSON.parse(JSON.stringify(schema)));
    const text = canonical(plain);
    // Two exports of one schema (an alias) share the first name.
    if (byText.has(text)) continue;
    byText.set(text, name);
    schemaOf.set(name, plain);
  }
  const used = new Set<string>();
  const replace = (node: Json, self?: string): Json => {
    if (Array.isArray(node)) return node.map((item) => replace(item));
    if (typeof node !== 'object' || node === null) return node;
    const name = byText.get(canonical(node));
    if (name !== undefined && name !== self) {
      used.add(name);
      return { $ref: `#/components/schemas/${name}` };
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, replace(value)]));
  };
  const paths = replace(doc.paths);
  const schemas: Record<string, Json> = {};
  // Components refer to components: resolve until no new name is used.
  for (let seen = -1; seen !== used.size;) {
    seen = used.size;
    for (const name of [...used]) schemas[name] ??= replace(schemaOf.get(name), name);
  }
  const components = (doc.components ?? {}) as Record<string, unknown>;
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  return { ...doc, paths, components: { ...components, schemas: sorted } };
}

/** The `@fastify/swagger` options of a region: its OpenAPI 3.1 document at `/openapi.json`. */
export function regionOpenApiOptions(self: {
  readonly id: string;
  readonly baseUrl: string;
}): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `Domicile region ${self.id}`,
        version: '1',
        description:
          'Region server API: provisioning, credentials, push notifications. Errors: docs/errors.md; JOSE objects and DPoP rules: docs/protocol.md.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: self.baseUrl }],
      components: { securitySchemes: SECURITY_SCHEMES as never },
    },
    // OpenAPI 3.1 is JSON Schema 2020-12: `const` stays, so the document's schemas are the protocol's.
    convertConstToEnum: false,
    transformObject: (documentObject) =>
      'openapiObject' in documentObject
        ? withSharedComponents(documentObject.openapiObject)
        : documentObject.swaggerObject,
  };
}
