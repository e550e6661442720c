/**
 * The load generator: a process of its own, so the load it makes and the server it measures do
 * not share an event loop. The parent (`run-load.ts`) forks it, sends one {@link LoadJob} and
 * reads {@link LoadMessage}s back, the last one its results.
 */
import type { LoadJob, LoadMessage, WorkloadSpec } from './load-job.js';
import { describe, runLoad } from './load-runner.js';
import { CryptoFloorWorkload } from './baselines/crypto-floor.js';
import { PrimitiveFloorWorkload } from './baselines/primitive-floor.js';
import { AuthorizationWorkload } from './workloads/authorization-workload.js';
import { HttpGetWorkload } from './workloads/http-get-workload.js';
import { ProvisioningWorkload } from './workloads/provisioning-workload.js';
import { SignedCommitWorkload } from './workloads/signed-commit-workload.js';
import type { Workload } from './workloads/workload.js';

function createWorkload(spec: WorkloadSpec): Workload {
  switch (spec.kind) {
    case 'provisioning':
      return new ProvisioningWorkload(spec);
    case 'http-get':
      return new HttpGetWorkload(spec.url);
    case 'signed-commit':
      return new SignedCommitWorkload(spec);
    case 'primitive-floor':
      return new PrimitiveFloorWorkload({ kind: spec.operation });
    case 'crypto-floor':
      return new CryptoFloorWorkload({ redirected: spec.redirected });
    case 'authorization':
      return new AuthorizationWorkload(spec);
  }
}

function send(message: LoadMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    } else {
      process.send(message, () => resolve());
    }
  });
}

process.once('message', (job: LoadJob) => {
  void (async () => {
    const workloads = job.workloads.map(createWorkload);
    try {
      await send({
        type: 'result',
        results: await runLoad(job, workloads, (phase, workload) =>
          send({ type: 'counted', phase, workload }),
        ),
      });
    } catch (error) {
      await send({ type: 'failed', error: describe(error) });
    } finally {
      await Promise.all(workloads.map((workload) => workload.close()));
      // A one-shot worker: keep-alive sockets must not hold it open once the answer is sent.
      process.exit(0);
    }
  })();
});
