import { readFile } from 'node:fs/promises';
import { DomicileError } from '@domicile/protocol';

/**
 * Reads and parses a JSON key file. A file that is missing, unreadable or not JSON is
 * `KEY_FILE_UNREADABLE`, naming the file and which of the three; never its content.
 */
export async function readKeyFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DomicileError('KEY_FILE_UNREADABLE', {
      details: { file, reason: missing ? 'missing' : 'unreadable' },
      cause,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the text, which is a key: it stays out of the error.
    throw new DomicileError('KEY_FILE_UNREADABLE', { details: { file, reason: 'not JSON' } });
  }
}
