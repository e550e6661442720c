export { CliIo, CommandFailed, type CliIoParts, type ExitCode } from './cli-io.js';
export { memoryIo, type MemoryIo } from './memory-io.js';
export { processIo, processIoParts } from './process-io.js';
export { UsageError } from './usage-error.js';
