import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What `npm run build` (`build:wallet-page`) makes; the tests' global setup runs it first. */
const DIST = new URL('../../dist/wallet-page/', import.meta.url);

interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

const NODE_ONLY = [
  'triple-des.js',
  'node-jose.js',
  'tls-files.js',
  'tls-fetch.js',
  'wallet-file.js',
  'wallet-file-store.js',
  'user-action-trace.js',
];

describe("the browser wallet's bundle (esbuild, platform browser)", () => {
  it('imports no node: module, and none of the Node-only files of the SDK or the protocol', async () => {
    const meta = JSON.parse(await readFile(new URL('meta.json', DIST), 'utf8')) as Metafile;
    const inputs = Object.keys(meta.inputs);
    const imports = Object.values(meta.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(inputs.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(imports.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(inputs.filter((path) => NODE_ONLY.includes(basename(path)))).toEqual([]);
    // Their browser twins took their place (the packages' `browser` fields).
    for (const file of NODE_ONLY.filter((f) => f !== 'wallet-file.js'))
      expect(inputs.map((path) => basename(path))).toContain(file.replace('.js', '-browser.js'));
    // The SDK's browser entry, not its Node index.
    expect(inputs.some((path) => path.endsWith('device/dist/browser/index.js'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('device/dist/index.js'))).toBe(false);
  });

  it('holds no import of a node: module in its code', async () => {
    const bundle = await readFile(new URL('wallet-app.js', DIST), 'utf8');
    expect(bundle).not.toMatch(/(?:from|import|require)\s*\(?\s*["']node:/);
    expect(bundle.length).toBeGreaterThan(10_000);
  });
});
