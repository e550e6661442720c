import { CommanderError } from 'commander';
import { isDomicileError } from '@domicile/protocol';
import { createProgram } from './program.js';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (isDomicileError(error)) {
    const details = error.details === undefined ? '' : ` ${JSON.stringify(error.details)}`;
    process.stderr.write(`error ${error.code}: ${error.message}${details}\n`);
    process.exitCode = 1;
  } else {
    // Unknown failures print no message: it might hold data we must not show.
    process.stderr.write(
      `error INTERNAL: Internal error. (${error instanceof Error ? error.name : 'unknown'})\n`,
    );
    if (process.env.DOMICILE_DEBUG === '1') console.error(error);
    process.exitCode = 1;
  }
}
