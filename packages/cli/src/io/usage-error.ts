import { DomicileError, type ErrorCode, type ErrorDetails } from '@domicile/protocol/errors';

/**
 * The command line is wrong (an option's value, a setting from the environment or the
 * configuration file it names, a file or folder it names that is not there): nothing was
 * attempted, and the run exits 2. `details` names the
 * option (`option: '--port'`), never its value.
 */
export class UsageError extends DomicileError {
  constructor(
    code: Extract<
      ErrorCode,
      'CONFIG_INVALID' | 'VALIDATION_FAILED' | 'KEY_FILE_UNREADABLE' | 'DATABASE_FOLDER_MISSING'
    >,
    details: ErrorDetails,
    cause?: unknown,
  ) {
    super(code, cause === undefined ? { details } : { details, cause });
  }
}
