import { join } from 'node:path';
import type { api } from '@domicile/protocol';
import { paths } from '../deployment/deployment-files.js';
import type { LocalDeployment } from '../deployment/local-deployment.js';
import { sandboxIssuerKeyFile } from '../deployment/sandbox-issuers.js';

/** Where the demo left its data, and what it did: what `demo --json` prints, and the demo's last lines. */
export interface DemoData {
  readonly ok: boolean;
  readonly dataDir: string;
  readonly directory: string;
  readonly keys: {
    readonly authority: { readonly privateKey: string; readonly publicKey: string };
    readonly regions: Readonly<Record<string, string>>;
    readonly networks: Readonly<Record<string, string>>;
    readonly sandboxIssuers: Readonly<Record<string, string>>;
    readonly operatorToken: string;
  };
  readonly databases: Readonly<Record<string, string>>;
  readonly logs: Readonly<Record<string, string>>;
  readonly wallet: { readonly file: string; readonly passphrase: string };
  /** The wallet's payments, oldest first. */
  readonly transactions: readonly api.TransactionView[];
}

/** The files of a demo's deployment folder, named by what they are. */
export function demoData(
  deployment: LocalDeployment,
  wallet: { readonly file: string; readonly passphrase: string },
  outcome: { readonly ok: boolean; readonly transactions: readonly api.TransactionView[] },
): DemoData {
  const { dir, config } = deployment;
  const byRegion = (file: (region: string) => string): Record<string, string> =>
    Object.fromEntries(config.regions.map((r) => [r.id, file(r.id)]));
  return {
    ok: outcome.ok,
    dataDir: dir,
    directory: paths.directory(dir),
    keys: {
      authority: { privateKey: paths.authorityPrivate(dir), publicKey: paths.authorityPublic(dir) },
      regions: byRegion((r) => paths.regionKeys(dir, r)),
      networks: Object.fromEntries(
        (config.networks ?? []).map((n) => [n.id, paths.networkKey(dir, n.id)]),
      ),
      sandboxIssuers: byRegion((r) => sandboxIssuerKeyFile(dir, r)),
      operatorToken: deployment.operatorTokenFile,
    },
    databases: byRegion((r) => deployment.databaseUrl(r)),
    logs: byRegion((r) => deployment.logFile(r)),
    wallet,
    transactions: outcome.transactions,
  };
}

/** The demo's closing lines for people: where each kind of file is. */
export function formatDemoData(data: DemoData): string[] {
  const list = (files: Readonly<Record<string, string>>): string =>
    Object.entries(files)
      .map(([id, file]) => `${id} ${file}`)
      .join(', ');
  return [
    `data left in ${data.dataDir} (delete the folder when done):`,
    `  directory        ${data.directory}`,
    `  authority keys   ${data.keys.authority.privateKey}, ${data.keys.authority.publicKey}`,
    `  region keys      ${list(data.keys.regions)}`,
    `  network keys     ${list(data.keys.networks)}`,
    `  issuer keys      ${list(data.keys.sandboxIssuers)}`,
    `  operator token   ${data.keys.operatorToken}`,
    `  databases        ${list(data.databases)}`,
    `  logs             ${list(data.logs)}`,
    `  wallet           ${data.wallet.file} (passphrase: ${JSON.stringify(data.wallet.passphrase)})`,
  ];
}

/** The wallet file of a demo in `dir`. */
export const demoWalletFile = (dir: string): string => join(dir, 'wallet.json');
