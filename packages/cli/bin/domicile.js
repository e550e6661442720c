#!/usr/bin/env node
// The `domicile` command: runs the compiled CLI (`dist/`, built by `npm install` in a clone).
import module from 'node:module';

// Checked before anything is imported: better-sqlite3 13 segfaults on Node 20 instead of failing.
const MINIMUM_NODE_MAJOR = 22;
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < MINIMUM_NODE_MAJOR) {
  process.stderr.write(
    `domicile needs Node.js ${MINIMUM_NODE_MAJOR} or newer (22 and 24 are supported); ` +
      `this is Node.js ${process.version}.\n` +
      'Install Node.js 22 or 24, or run it inside a Domicile clone after `npm install`, ' +
      'which brings Node.js 24 for `npx domicile` and the npm scripts.\n',
  );
  process.exit(1);
}

// V8's compiled code of the CLI and its dependencies is kept on disk (in the OS temp folder) and
// reused by the next start: a `region serve` restarted after a crash spends about a fifth less
// CPU before /readyz (about 880 → 720 ms on the bench machine). Node checks each entry against the
// source's hash, so a rebuilt file is compiled afresh; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();

const MAIN = new URL('../dist/main.js', import.meta.url);
try {
  await import(MAIN.href);
} catch (error) {
  // A clone installed with --ignore-scripts has no build: say what to run, not a module trace.
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || error?.url !== MAIN.href) throw error;
  process.stderr.write(
    'domicile is not built: run `npm install` (or `npm run build`) in the Domicile clone.\n',
  );
  process.exit(1);
}
