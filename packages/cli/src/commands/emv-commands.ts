import { DomicileError, arpc, arqc, hexToBytes, toCvn18Data } from '@domicile/protocol';
import type { Command } from 'commander';
import type { CliIo } from '../io/index.js';

/** Flags shared by `emv arqc` and `emv arpc`: what derives the session key. */
interface KeyFlags {
  json?: boolean;
  cvn: string;
  imk: string;
  pan: string;
  psn: string;
  atc: string;
}

interface ArqcFlags extends KeyFlags {
  data: string;
}

interface ArpcFlags extends KeyFlags {
  arqc: string;
  csu: string;
  pad?: string;
}

function invalid(field: string, expected: string): DomicileError {
  return new DomicileError('VALIDATION_FAILED', { details: { field, expected } });
}

function cvnOf(text: string): 18 {
  if (text !== '18') throw invalid('cvn', '18');
  return 18;
}

function keyInputs(flags: KeyFlags): {
  cvn: 18;
  imk: Buffer;
  pan: string;
  psn: string;
  atc: Buffer;
} {
  return {
    cvn: cvnOf(flags.cvn),
    imk: hexToBytes('imk', flags.imk, 16),
    pan: flags.pan,
    psn: flags.psn,
    atc: hexToBytes('atc', flags.atc, 2),
  };
}

/** Parses `TAG=HEX,TAG=HEX,...` into tag → bytes; a tag given twice is an error. */
export function parseTagList(text: string): Record<string, Buffer> {
  const tags: Record<string, Buffer> = {};
  for (const pair of text.split(',')) {
    const match = /^\s*([0-9A-Fa-f]{2,4})=([0-9A-Fa-f]*)\s*$/.exec(pair);
    const tag = match?.[1]?.toUpperCase();
    const value = match?.[2];
    if (tag === undefined || value === undefined)
      throw invalid('data', 'TAG=HEX pairs separated by commas');
    if (Object.hasOwn(tags, tag)) throw invalid(tag, 'given once');
    tags[tag] = hexToBytes(tag, value);
  }
  return tags;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function keyOptions(command: Command): Command {
  return command
    .option('--cvn <number>', 'cryptogram version number (only 18, Visa)', '18')
    .requiredOption('--imk <hex>', 'issuer master key for application cryptograms, 16 bytes')
    .requiredOption('--pan <digits>', 'primary account (token) number')
    .option('--psn <digits>', 'PAN sequence number, 2 digits', '00')
    .requiredOption('--atc <hex>', 'application transaction counter (9F36), 2 bytes');
}

/**
 * Adds `emv arqc` and `emv arpc`: compute a Visa CVN 18 cryptogram (EMV 4.3 Book 2 8.1.2, keys by
 * A1.4.1 Option A and A1.3.1 common session key) or its issuer response (ARPC method 2, 8.2.2),
 * printed as uppercase hex. Invalid input throws a `VALIDATION_FAILED` DomicileError naming the field.
 */
export function registerEmvCommands(program: Command, io: CliIo): void {
  const emv = program
    .command('emv')
    .description('EMV application cryptograms (test and diagnostics)');

  keyOptions(emv.command('arqc').description('compute an ARQC (9F26) for Visa CVN 18'))
    .requiredOption(
      '--data <list>',
      'TAG=HEX,... for 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F10 (9F36 optional)',
    )
    .option('--json', 'print JSON')
    .action((flags: ArqcFlags) => {
      const cryptogram = hex(
        arqc({ ...keyInputs(flags), data: toCvn18Data(parseTagList(flags.data)) }),
      );
      io.print(flags, { arqc: cryptogram }, (r) => r.arqc);
    });

  keyOptions(
    emv.command('arpc').description('compute an ARPC (method 2) answering a Visa CVN 18 ARQC'),
  )
    .requiredOption('--arqc <hex>', 'the ARQC (9F26), 8 bytes')
    .requiredOption('--csu <hex>', 'card status update, 4 bytes')
    .option('--pad <hex>', 'proprietary authentication data, 0 to 8 bytes')
    .option('--json', 'print JSON')
    .action((flags: ArpcFlags) => {
      const response = hex(
        arpc({
          ...keyInputs(flags),
          arqc: hexToBytes('arqc', flags.arqc, 8),
          csu: hexToBytes('csu', flags.csu, 4),
          ...(flags.pad === undefined
            ? {}
            : { proprietaryAuthData: hexToBytes('pad', flags.pad, 0, 8) }),
        }),
      );
      io.print(flags, { arpc: response }, (r) => r.arpc);
    });
}
