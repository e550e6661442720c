import { createTestDevice, type TestDevice } from '@domicile/region/testing';

export interface RawResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * A device that speaks HTTP by hand: what a buggy or hostile client can send, which the wallet
 * SDK never would. Every call carries a fresh DPoP proof unless the test supplies one.
 */
export interface RawDevice extends TestDevice {
  call(
    baseUrl: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options?: RawOptions,
  ): Promise<RawResponse>;
}

export interface RawOptions {
  readonly idempotencyKey?: string;
  readonly proof?: string;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

let counter = 0;

export async function createRawDevice(): Promise<RawDevice> {
  const device = await createTestDevice();
  return {
    ...device,
    async call(baseUrl, method, path, body, options = {}) {
      const url = `${baseUrl}${path}`;
      const headers: Record<string, string> = {
        dpop: options.proof ?? (await device.proof(method, url.split('?')[0] ?? url)),
        ...(method === 'POST'
          ? {
              'content-type': 'application/json',
              'idempotency-key':
                options.idempotencyKey ?? `raw-${process.pid}-${Date.now()}-${counter++}`,
            }
          : {}),
        ...options.headers,
      };
      const res = await fetch(url, {
        method,
        headers,
        ...(method === 'POST' ? { body: options.rawBody ?? JSON.stringify(body ?? {}) } : {}),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
    },
  };
}

export function errorCode(res: RawResponse): unknown {
  return (res.body.error as { code?: unknown } | undefined)?.code;
}
