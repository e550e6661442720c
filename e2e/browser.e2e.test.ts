import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './testing/browser.js';

const PROBE = `(async () => {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('probe', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction('keys', 'readwrite');
    tx.objectStore('keys').put(keys.privateKey, 'device');
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  const stored = await new Promise((resolve, reject) => {
    const get = db.transaction('keys').objectStore('keys').get('device');
    get.onsuccess = () => resolve(get.result);
    get.onerror = () => reject(get.error);
  });
  const data = new TextEncoder().encode('probe');
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, stored, data);
  const verified = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, keys.publicKey, signature, data);
  const exported = await crypto.subtle.exportKey('jwk', stored).then(() => 'exported', () => 'refused');
  return { extractable: stored.extractable, verified, exported };
})()`;

// The browser the console and wallet tests drive: if this fails, they all would.
describe('chromium through playwright-core', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    browser = await launchChromium();
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>probe</title>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps a non-extractable P-256 key in IndexedDB on a loopback origin (what the browser wallet needs)', async () => {
    const page = await browser.newPage();
    // WebCrypto needs a secure context: a loopback origin is one even without TLS.
    await page.goto(origin);
    // A string, not a function: the project's type-check has no DOM library.
    const result: unknown = await page.evaluate(PROBE);
    expect(result).toEqual({ extractable: false, verified: true, exported: 'refused' });
    await page.close();
  });
});
