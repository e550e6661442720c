import { fileURLToPath } from 'node:url';
import { startService, type ServiceProcess } from '../service-process.js';

const SERVER = fileURLToPath(new URL('./http-ceiling.ts', import.meta.url));

/** Starts the HTTP ceiling server; `url` is its one route. */
export async function startHttpCeiling(): Promise<{ process: ServiceProcess; url: string }> {
  const service = await startService({
    name: 'ceiling',
    args: ['--import', 'tsx', '--conditions=@domicile/source', SERVER],
    ready: /^http ceiling listening on /,
  });
  const base = service.readyLine.replace(/^http ceiling listening on /, '').trim();
  return { process: service, url: `${base}/ceiling` };
}
