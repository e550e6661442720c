import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository's root folder. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The packages a user installs (the root and `e2e` stay private). */
export const PUBLISHED = ['protocol', 'device', 'region', 'network', 'clients', 'cli'] as const;

/** What `npm pack --json` says of one tarball. */
export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** Environment for npm: the Node that runs this test first on PATH, for npm and what it starts. */
function npmEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
}

/** Runs npm in `cwd` and returns what it printed on stdout. */
export async function npm(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('npm', [...args], {
    cwd,
    env: npmEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** `npm pack` of every published package into `destination` (their `dist/` must be built). */
export async function packPublished(destination: string): Promise<PackedTarball[]> {
  const workspaces = PUBLISHED.flatMap((name) => ['--workspace', `packages/${name}`]);
  const json = await npm(REPO_ROOT, [
    'pack',
    ...workspaces,
    '--pack-destination',
    destination,
    '--ignore-scripts',
    '--json',
  ]);
  return JSON.parse(json) as PackedTarball[];
}

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { optional?: boolean }>>;
  readonly [key: string]: unknown;
}

function omit(entry: LockEntry, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => !keys.includes(key)));
}

/** The lock entry `name` resolves to from the package at `from`, by Node's folder lookup. */
function resolveIn(
  packages: Readonly<Record<string, LockEntry>>,
  from: string,
  name: string,
): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const at = base.lastIndexOf('node_modules/');
    base = at <= 0 ? '' : base.slice(0, at - 1);
  }
}

/**
 * Writes `package.json` and `package-lock.json` of an app in `appDir` that depends on the packed
 * tarballs (in `appDir/tarballs`): the lock is the repository's own, narrowed to what the
 * published packages need, so `npm ci --offline` installs from npm's cache the very versions the
 * repository's `npm ci` put there (that install fetched tarballs, not the registry's metadata an
 * install without a lock would need).
 */
export async function writeAppLock(
  appDir: string,
  tarballs: readonly PackedTarball[],
): Promise<void> {
  const rootLock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const packages = rootLock.packages;
  const lock: Record<string, unknown> = {};
  const dependencies: Record<string, string> = {};
  const queue: string[] = [];
  for (const tarball of tarballs) {
    const workspace = tarball.name.replace('@domicile/', 'packages/');
    const manifest = packages[workspace];
    if (manifest === undefined) throw new Error(`${workspace} is not in package-lock.json`);
    const spec = `file:tarballs/${tarball.filename}`;
    dependencies[tarball.name] = spec;
    lock[`node_modules/${tarball.name}`] = {
      ...omit(manifest, ['devDependencies', 'name']),
      resolved: spec,
    };
    queue.push(`node_modules/${tarball.name}`);
  }
  const seen = new Set(queue);
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    const entry = (lock[path] ?? packages[path]) as LockEntry;
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional === true)
        .map(([name]) => name),
    );
    const needed = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers.has(name)),
    ];
    for (const name of needed) {
      if (name.startsWith('@domicile/')) continue;
      const found = resolveIn(packages, path, name);
      if (found === undefined) {
        if (entry.optionalDependencies?.[name] !== undefined) continue;
        throw new Error(`${name}, needed by ${path}, is not in package-lock.json`);
      }
      if (seen.has(found)) continue;
      seen.add(found);
      // Copied as the repository's lock has it, less the flags of its own development tree.
      lock[found] = omit(packages[found] as LockEntry, ['dev', 'devOptional']);
      queue.push(found);
    }
  }
  const app = { name: 'domicile-pack-install', version: '0.0.0', private: true, type: 'module' };
  await writeFile(
    join(appDir, 'package.json'),
    `${JSON.stringify({ ...app, dependencies }, null, 2)}\n`,
  );
  await writeFile(
    join(appDir, 'package-lock.json'),
    `${JSON.stringify(
      {
        name: app.name,
        version: app.version,
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: app.name, version: app.version, dependencies }, ...lock },
      },
      null,
      2,
    )}\n`,
  );
}
