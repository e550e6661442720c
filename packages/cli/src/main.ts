import { processIo } from './io/index.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
