/**
 * The HTTP ceiling: a bare fastify route that returns a small fixed JSON, in a process of its
 * own, measured with the same load generator as the regions. No region request can be cheaper
 * on this machine, so it bounds what any endpoint could reach.
 *
 * Run as a process (`startHttpCeiling` does): it listens on a free loopback port and prints
 * `http ceiling listening on <url>`.
 */
import Fastify from 'fastify';

const BODY = { ok: true, region: 'ceiling', version: 1 } as const;

const app = Fastify({ logger: false });
app.get('/ceiling', () => BODY);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`http ceiling listening on ${url}\n`);
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
