import { readFile } from 'node:fs/promises';
import { DomicileError, definedProps } from '@domicile/protocol';
import type { CliIo } from '../io/index.js';

export function invalid(field: string, reason?: string): DomicileError {
  return new DomicileError('VALIDATION_FAILED', {
    details: { field, ...definedProps({ reason }) },
  });
}

/** A file's text, or stdin's for `-` (what keeps a card number out of shell history). */
export async function readInputText(path: string, field: string, io: CliIo): Promise<string> {
  try {
    return path === '-' ? await io.parts.readStdin() : await readFile(path, 'utf8');
  } catch (cause) {
    throw new DomicileError('VALIDATION_FAILED', {
      details: { field, reason: 'unreadable' },
      cause,
    });
  }
}

export async function readJsonFile(path: string, field: string, io: CliIo): Promise<unknown> {
  const text = await readInputText(path, field, io);
  try {
    return JSON.parse(text);
  } catch {
    // No cause: the text may be a card number.
    throw invalid(field, 'not JSON');
  }
}

/** A card file's `{ pan, expiry, cvv, name }`, each a string; which one is wrong, never its value. */
export function cardOf(value: unknown): { pan: string; expiry: string; cvv: string; name: string } {
  const c = value as Record<string, unknown> | null;
  const field = (name: string): string => {
    const v = c?.[name];
    if (typeof v !== 'string') throw invalid(name);
    return v;
  };
  return { pan: field('pan'), expiry: field('expiry'), cvv: field('cvv'), name: field('name') };
}
