/**
 * One more region node for the TSM worker race test: run as a child process
 * (`node --import tsx --conditions=@domicile/source`), it opens the same SQLite file, prints `ready`, waits for a line on
 * stdin, then works until no script is pending and prints how many it made ready.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { PrivateJwk } from '@domicile/protocol';
import { openDatabase } from '../storage/index.js';
import { productFromSession } from '../sessions/index.js';
import { Tsm } from './tsm.js';
import { TsmWorker } from './tsm-worker.js';
import { FileJwsSigner } from '../keys/index.js';

const db = await openDatabase(`sqlite:${process.env.RACE_DB ?? ''}`);
const key = JSON.parse(process.env.RACE_TSM_KEY ?? '{}') as PrivateJwk;
const worker = new TsmWorker({
  db,
  tsm: new Tsm({ region: 'us', signer: new FileJwsSigner(key) }),
  productFor: productFromSession(db),
  batchSize: 5,
});
process.stdout.write('ready\n');
const go = createInterface({ input: process.stdin });
await once(go, 'line');
go.close();
let processed = 0;
for (;;) {
  const n = await worker.runOnce();
  processed += n;
  const pending = await db
    .selectFrom('tsm_scripts')
    .select('id')
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (n === 0 && pending === undefined) break;
}
process.stdout.write(`${JSON.stringify({ processed })}\n`);
await db.destroy();
