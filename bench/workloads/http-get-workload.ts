import { httpRequest } from '../http-client.js';
import type { Workload } from './workload.js';

/** `GET url`, reading the whole JSON answer: the unit of the HTTP ceiling. */
export class HttpGetWorkload implements Workload {
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  async run(): Promise<void> {
    const answer = await httpRequest(this.#url, { headers: { accept: 'application/json' } });
    const body = JSON.parse(answer.body) as unknown;
    if (answer.status !== 200 || typeof body !== 'object' || body === null)
      throw new Error(`status ${answer.status}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
