import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region } from '../region-server.js';
import { createRegionFixture } from '../testing/region-fixture.js';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string }>;
    schemas: Record<string, unknown>;
  };
}

let us: Region;
let text: string;
let doc: Document;
const operations = (): [string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
  );
const operation = (method: string, path: string): Operation => {
  const op = doc.paths[path]?.[method];
  if (op === undefined) throw new Error(`${method} ${path} is not documented`);
  return op;
};

beforeAll(async () => {
  us = await (await createRegionFixture()).region('us');
  const res = await us.app.inject({ method: 'GET', url: '/openapi.json' });
  text = res.body;
  doc = res.json<Document>();
});
afterAll(() => us.close());

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const problems = await lintFromString({
      source: text,
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
    const listed = problems.map(
      (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`,
    );
    expect(listed).toEqual([]);
  });

  it('names every operation once, and says who may call it with a declared scheme', () => {
    const ids = operations().map(([, op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(
      ['DPoP', 'IssuerJws', 'NetworkJws', 'Operator', 'RegionJws'].sort(),
    );
    for (const [name, op] of operations()) {
      expect(op.security, name).toBeDefined();
      for (const requirement of op.security ?? [])
        for (const scheme of Object.keys(requirement))
          expect(doc.components.securitySchemes, name).toHaveProperty(scheme);
    }
    const schemeOf = (method: string, path: string) =>
      operation(method, path).security?.flatMap((r) => Object.keys(r));
    expect(schemeOf('post', '/v1/provisioning')).toEqual(['DPoP']);
    expect(schemeOf('post', '/v1/authorizations')).toEqual(['NetworkJws']);
    expect(schemeOf('post', '/v1/issuer/credentials/{tokenRef}/suspend')).toEqual(['IssuerJws']);
    expect(schemeOf('post', '/v1/regions/lost-device')).toEqual(['RegionJws']);
    expect(schemeOf('post', '/v1/support/devices/{deviceId}/lost')).toEqual(['Operator']);
    expect(schemeOf('get', '/v1/directory')).toEqual([]);
  });

  it('gives the card art and the push stream their real media types', () => {
    expect(
      Object.keys(operation('get', '/v1/assets/{assetId}').responses['200']?.content ?? {}),
    ).toEqual(['image/svg+xml']);
    expect(
      Object.keys(operation('get', '/v1/notifications/stream').responses['200']?.content ?? {}),
    ).toEqual(['text/event-stream']);
    // A JWE in a JSON body is said to be one.
    expect(doc.components.schemas.CardDetailsRequest).toMatchObject({
      properties: { cardDetails: { contentMediaType: 'application/jose' } },
    });
  });

  it('names the shared schemas once in components and refers to them', () => {
    for (const [name, op] of operations())
      expect(op.responses['4XX']?.content?.['application/json']?.schema, name).toEqual({
        $ref: '#/components/schemas/ErrorBody',
      });
    expect(
      operation('post', '/v1/provisioning').requestBody?.content['application/json']?.schema,
    ).toEqual({ $ref: '#/components/schemas/ProvisioningMessage' });
    // Nested: a credential view is one component, referred to wherever a credential is shown.
    expect(JSON.stringify(doc.components.schemas.CredentialResponse)).toContain(
      '#/components/schemas/CredentialView',
    );
    // Every reference resolves, and every component is used.
    const refs = [...text.matchAll(/"#\/components\/schemas\/([A-Za-z0-9]+)"/g)].map((m) => m[1]);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref ?? '');
    expect(new Set(refs)).toEqual(new Set(Object.keys(doc.components.schemas)));
  });
});
