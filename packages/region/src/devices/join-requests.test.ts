import { generateProof } from 'dpop';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  generateKeyPairJwk,
  jwkThumbprint,
  signJson,
  type KeyPairJwk,
} from '@domicile/protocol';
import type { Region } from '../region-server.js';
import { createRegionFixture } from '../testing/region-fixture.js';

/** A device whose signing key the test holds: it signs DPoP proofs and device approvals. */
interface KeyedDevice {
  readonly signing: KeyPairJwk;
  readonly encryption: KeyPairJwk;
  readonly jkt: string;
  id?: string;
}

let us: Region;
let counter = 0;

async function newDevice(): Promise<KeyedDevice> {
  const [signing, encryption] = await Promise.all([
    generateKeyPairJwk('sig'),
    generateKeyPairJwk('enc'),
  ]);
  return { signing, encryption, jkt: await jwkThumbprint(signing.publicJwk) };
}

async function call(
  as: KeyedDevice,
  method: 'GET' | 'POST',
  path: string,
  body: unknown = {},
): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string } } }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  const keypair = {
    privateKey: await crypto.subtle.importKey('jwk', as.signing.privateJwk, alg, false, ['sign']),
    publicKey: await crypto.subtle.importKey('jwk', as.signing.publicJwk, alg, true, ['verify']),
  };
  const res = await us.app.inject({
    method,
    url: path,
    headers: {
      dpop: await generateProof(keypair, `${us.context.self.baseUrl}${path}`, method),
      'content-type': 'application/json',
      ...(method === 'POST'
        ? { 'idempotency-key': `join-test-key-${process.pid}-${counter++}` }
        : {}),
    },
    ...(method === 'POST' ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

async function register(): Promise<{ device: KeyedDevice; accountId: string }> {
  const device = await newDevice();
  const res = await call(device, 'POST', '/v1/accounts', {
    name: 'Jane',
    email: 'jane@example.com',
    device: { encryptionKey: device.encryption.publicJwk },
  });
  device.id = res.body.deviceId as string;
  return { device, accountId: res.body.accountId as string };
}

async function askToJoin(
  accountId: string,
  method: api.JoinMethod = 'approval',
): Promise<{ device: KeyedDevice; request: api.JoinRequestView }> {
  const device = await newDevice();
  const res = await call(device, 'POST', '/v1/accounts/join', {
    accountId,
    method,
    device: { encryptionKey: device.encryption.publicJwk },
  });
  expect(res.status).toBe(201);
  return { device, request: res.body.joinRequest as api.JoinRequestView };
}

async function approval(
  signer: KeyedDevice,
  request: api.JoinRequestView,
  claims: Partial<api.DeviceApprovalClaims> = {},
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signJson(
    {
      iss: signer.id,
      aud: 'us',
      iat,
      exp: iat + 60,
      accountId: request.accountId,
      joinRequestId: request.id,
      jkt: request.deviceJkt,
      code: await api.joinCode(request.id, request.deviceJkt),
      ...claims,
    },
    signer.signing.privateJwk,
    api.DEVICE_APPROVAL_TYP,
  );
}

const approve = async (by: KeyedDevice, request: api.JoinRequestView, jws: string) => {
  const res = await call(by, 'POST', `/v1/accounts/me/join-requests/${request.id}/approve`, {
    approval: jws,
  });
  return { status: res.status, code: res.body.error?.code, body: res.body };
};

beforeAll(async () => {
  us = await (await createRegionFixture()).region('us');
});
afterAll(() => us.close());

describe('joining an account', () => {
  it('approves only an approval signed by a device of the account for this request, key and code', async () => {
    const { device: phone, accountId } = await register();
    const { device: watch, request } = await askToJoin(accountId);
    const stranger = await newDevice();
    stranger.id = phone.id ?? '';
    const other = await newDevice();
    const iat = Math.floor(Date.now() / 1000);
    const wrongCode = String((Number(await api.joinCode(request.id, request.deviceJkt)) + 1) % 1e6);
    for (const jws of [
      await approval(stranger, request),
      await approval(phone, request, { jkt: other.jkt }),
      await approval(phone, request, { code: wrongCode.padStart(6, '0') }),
      await approval(phone, request, { iss: 'another-device-id' }),
      await approval(phone, request, { aud: 'cn' }),
      await approval(phone, request, { iat: iat - 600, exp: iat - 540 }),
      await approval(phone, request, { exp: iat + 3600 }),
    ])
      expect(await approve(phone, request, jws)).toMatchObject({
        status: 403,
        code: 'JOIN_APPROVAL_INVALID',
      });
    const ok = await approve(phone, request, await approval(phone, request));
    expect(ok.status).toBe(200);
    expect(ok.body.joinRequest).toMatchObject({ state: 'approved', deviceJkt: watch.jkt });
    // Used once.
    expect(await approve(phone, request, await approval(phone, request))).toMatchObject({
      status: 409,
      code: 'JOIN_REQUEST_CLOSED',
    });
    const me = await call(watch, 'GET', '/v1/accounts/me');
    expect(me.body).toMatchObject({ accountId, kind: 'registered' });
  });

  it('refuses what is refused, expired, of another account, by another method, or asked by a lost device', async () => {
    const { device: phone, accountId } = await register();
    const refused = (await askToJoin(accountId)).request;
    expect(
      (await call(phone, 'POST', `/v1/accounts/me/join-requests/${refused.id}/refuse`)).status,
    ).toBe(200);
    expect(await approve(phone, refused, await approval(phone, refused))).toMatchObject({
      status: 409,
      code: 'JOIN_REQUEST_CLOSED',
    });

    const late = (await askToJoin(accountId)).request;
    await us.context.db
      .updateTable('join_requests')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', late.id)
      .execute();
    expect(await approve(phone, late, await approval(phone, late))).toMatchObject({
      status: 410,
      code: 'JOIN_REQUEST_EXPIRED',
    });

    const { device: outsider } = await register();
    outsider.id ??= '';
    const pending = (await askToJoin(accountId)).request;
    expect(await approve(outsider, pending, await approval(outsider, pending))).toMatchObject({
      status: 404,
      code: 'JOIN_REQUEST_NOT_FOUND',
    });

    const byCode = await askToJoin(accountId, 'code');
    expect(
      await approve(phone, byCode.request, await approval(phone, byCode.request)),
    ).toMatchObject({ status: 409, code: 'JOIN_METHOD_MISMATCH' });
    const verify = await call(byCode.device, 'POST', `/v1/accounts/join/${pending.id}/verify`, {
      code: '000000',
    });
    expect(verify.body.error?.code).toBe('JOIN_REQUEST_NOT_FOUND');

    expect((await call(phone, 'POST', '/v1/devices/me/lost')).status).toBe(201);
    expect(await approve(phone, pending, await approval(phone, pending))).toMatchObject({
      status: 403,
      code: 'DEVICE_LOST',
    });
  });

  it('refuses a key already on an account and an unknown account', async () => {
    const { device: phone, accountId } = await register();
    const again = await call(phone, 'POST', '/v1/accounts/join', {
      accountId,
      method: 'approval',
      device: { encryptionKey: phone.encryption.publicJwk },
    });
    expect([again.status, again.body.error?.code]).toEqual([409, 'DEVICE_ALREADY_REGISTERED']);
    const device = await newDevice();
    const unknown = await call(device, 'POST', '/v1/accounts/join', {
      accountId: 'no-such-account-0001',
      method: 'code',
      device: { encryptionKey: device.encryption.publicJwk },
    });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
  });

  it('locks a join by code after three wrong codes, and never stores the code', async () => {
    const { accountId } = await register();
    const { device, request } = await askToJoin(accountId, 'code');
    const row = await us.context.db
      .selectFrom('join_requests')
      .selectAll()
      .where('id', '=', request.id)
      .executeTakeFirstOrThrow();
    const [sent] = await us.context.db
      .selectFrom('issuer_outbox')
      .select(['code', 'target'])
      .where('session_id', '=', request.id)
      .execute();
    expect(sent?.target).toBe('j•••@example.com');
    expect(JSON.stringify(row)).not.toContain(sent?.code);
    const wrong = String((Number(sent?.code) + 1) % 1e6).padStart(6, '0');
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push(
        (await call(device, 'POST', `/v1/accounts/join/${request.id}/verify`, { code: wrong })).body
          .error?.code,
      );
    expect(codes).toEqual(['JOIN_CODE_INVALID', 'JOIN_CODE_INVALID', 'JOIN_LOCKED']);
    const right = await call(device, 'POST', `/v1/accounts/join/${request.id}/verify`, {
      code: sent?.code,
    });
    expect(right.body.error?.code).toBe('JOIN_LOCKED');
  });
});
