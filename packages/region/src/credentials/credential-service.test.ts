import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentsFixture, seedToken } from '../payments/payments.fixtures.js';
import type { Region } from '../region-server.js';

let us: Region;

beforeAll(async () => {
  us = await (await createPaymentsFixture()).region('us');
});
afterAll(async () => {
  await us.close();
});

describe('POST /v1/credentials/{tokenRef}/activate', () => {
  it('refuses a token that is not pending activation with CREDENTIAL_STATE, naming its state', async () => {
    for (const state of ['suspended', 'deleted'] as const) {
      const { credential, device } = await seedToken(us, '4111111111111111', { state });
      const path = `/v1/credentials/${credential.token_ref}/activate`;
      const res = await us.app.inject({
        method: 'POST',
        url: path,
        headers: await device.headers('POST', `${us.context.self.baseUrl}${path}`),
        payload: { scriptId: 'scr_0123456789', scriptHash: 'a'.repeat(43) },
      });
      expect(
        [res.statusCode, res.json<{ error: { code: string; details: unknown } }>().error],
        state,
      ).toEqual([409, expect.objectContaining({ code: 'CREDENTIAL_STATE', details: { state } })]);
    }
  });
});
