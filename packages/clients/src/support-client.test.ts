import { describe, expect, it } from 'vitest';
import { api } from '@domicile/protocol';
import { SupportClient } from './support-client.js';

const REPORT: api.LostReportView = {
  reportId: 'rep_0123456789',
  deviceId: 'dev_0123456789',
  reportedAt: '2026-01-01T00:00:00.000Z',
  reportedBy: 'operator',
  home: { region: 'us', suspended: 1 },
  regions: [{ region: 'cn', status: 'pending', attempts: 0 }],
  complete: false,
};

describe('SupportClient', () => {
  it('sends the operator token only as a bearer header, and an idempotency key on reports', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const client = new SupportClient({
      baseUrl: 'https://us.example/',
      operatorToken: 'op-secret',
      fetch: (input, init) => {
        sent.push({
          url: input instanceof Request ? input.url : input.toString(),
          init: init ?? {},
        });
        return Promise.resolve(new Response(JSON.stringify({ report: REPORT }), { status: 201 }));
      },
    });
    expect(await client.reportLost('dev_0123456789', { idempotencyKey: 'k-1' })).toEqual(REPORT);
    expect(await client.lostReport('rep_0123456789')).toEqual(REPORT);
    expect(sent.map((s) => `${String(s.init.method)} ${s.url}`)).toEqual([
      'POST https://us.example/v1/support/devices/dev_0123456789/lost',
      'GET https://us.example/v1/support/lost-reports/rep_0123456789',
    ]);
    const headers = sent.map((s) => s.init.headers as Record<string, string>);
    expect(headers[0]).toMatchObject({
      authorization: 'Bearer op-secret',
      [api.HEADERS.idempotencyKey]: 'k-1',
    });
    expect(headers[1]).toEqual({ authorization: 'Bearer op-secret' });
    expect(`${sent[0]?.url ?? ''} ${sent[0]?.init.body as string}`).not.toContain('op-secret');
  });

  it("throws the region's error, and PEER_MALFORMED for an answer that is not a report", async () => {
    const answering = (status: number, body: unknown): SupportClient =>
      new SupportClient({
        baseUrl: 'https://us.example',
        operatorToken: 't',
        fetch: () => Promise.resolve(new Response(JSON.stringify(body), { status })),
      });
    await expect(
      answering(401, { error: { code: 'OPERATOR_TOKEN_INVALID', message: 'x' } }).lostReport('r'),
    ).rejects.toMatchObject({ code: 'OPERATOR_TOKEN_INVALID' });
    await expect(answering(200, { report: { regions: [] } }).lostReport('r')).rejects.toMatchObject(
      { code: 'PEER_MALFORMED', details: { peer: 'region', what: 'schema' } },
    );
  });

  it("reads a device's tokens in every region with the operator token, and checks the answer", async () => {
    const answer: api.DeviceTokensResponse = {
      deviceId: 'dev_0123456789',
      regions: [
        { region: 'us', status: 'ok', tokens: [] },
        { region: 'cn', status: 'failed', tokens: [], error: 'REGION_REQUEST_UNDELIVERED' },
      ],
      complete: false,
    };
    const sent: { url: string; init: RequestInit }[] = [];
    const client = new SupportClient({
      baseUrl: 'https://us.example',
      operatorToken: 'op-secret',
      fetch: (input, init) => {
        sent.push({
          url: input instanceof Request ? input.url : input.toString(),
          init: init ?? {},
        });
        return Promise.resolve(new Response(JSON.stringify(answer), { status: 200 }));
      },
    });
    expect(await client.deviceTokens('dev_0123456789')).toEqual(answer);
    expect(sent.map((s) => `${String(s.init.method)} ${s.url}`)).toEqual([
      'GET https://us.example/v1/support/devices/dev_0123456789/tokens',
    ]);
    expect(sent[0]?.init.headers).toEqual({ authorization: 'Bearer op-secret' });
  });
});
