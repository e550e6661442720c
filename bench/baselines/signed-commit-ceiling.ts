/**
 * The signed-commit ceiling: the least any authorization server must do per request — verify one
 * ES256 JWS (node:crypto, synchronous) and durably commit one row keyed by its `jti` (a replay is
 * refused by the primary key) — as a bare fastify route in a process of its own. The region's
 * authorization endpoint does this and more (an EMV cryptogram, the ATC claim, the issuer's
 * answer), so its throughput is judged as a share of this one's.
 *
 * Durable as the region is: SQLite in WAL mode with `synchronous = FULL` (every commit fsyncs the
 * WAL), or PostgreSQL with its defaults (`synchronous_commit = on`).
 *
 * Run as a process (`startSignedCommitCeiling` does): `--sqlite FILE` or `--postgres URL`, the
 * public JWK in `DOMICILE_CEILING_JWK`; it prints `signed-commit ceiling listening on <url>`.
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';

type Commit = (jti: string, at: string) => Promise<boolean>;

function sqliteCommit(file: string): Commit {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table if not exists commits (jti text primary key, at text not null)');
  const insert = db.prepare('insert into commits (jti, at) values (?, ?) on conflict do nothing');
  return (jti, at) => Promise.resolve(insert.run(jti, at).changes === 1);
}

async function postgresCommit(url: string): Promise<Commit> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  await pool.query('create table if not exists commits (jti text primary key, at text not null)');
  return async (jti, at) => {
    const res = await pool.query(
      'insert into commits (jti, at) values ($1, $2) on conflict do nothing',
      [jti, at],
    );
    return res.rowCount === 1;
  };
}

/** The JWS's claims when its ES256 signature verifies under `key`; undefined otherwise. */
function verifiedClaims(jws: string, key: KeyObject): Record<string, unknown> | undefined {
  const [header, payload, signature] = jws.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  const protectedHeader = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
    alg?: unknown;
  };
  if (protectedHeader.alg !== 'ES256') return undefined;
  const ok = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  return ok
    ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>)
    : undefined;
}

const [flag, target] = process.argv.slice(2);
const jwk = process.env.DOMICILE_CEILING_JWK;
if (target === undefined || jwk === undefined || (flag !== '--sqlite' && flag !== '--postgres')) {
  process.stderr.write(
    'usage: signed-commit-ceiling --sqlite FILE | --postgres URL (DOMICILE_CEILING_JWK set)\n',
  );
  process.exit(2);
}
const key = createPublicKey({ key: JSON.parse(jwk) as JsonWebKey, format: 'jwk' });
const commit = flag === '--sqlite' ? sqliteCommit(target) : await postgresCommit(target);

const app = Fastify({ logger: false });
app.post('/commit', async (request, reply) => {
  const body = request.body as { jws?: unknown } | null;
  const claims = typeof body?.jws === 'string' ? verifiedClaims(body.jws, key) : undefined;
  if (claims === undefined || typeof claims.jti !== 'string')
    return reply.code(401).send({ error: 'bad signature' });
  if (!(await commit(claims.jti, new Date().toISOString())))
    return reply.code(409).send({ error: 'replayed' });
  return { ok: true };
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`signed-commit ceiling listening on ${url}\n`);
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
