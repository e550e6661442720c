import { describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../io/index.js';

const PAN = '4111110000002019';

/** Runs `domicile issuer …` with `stdin`: its exit code and everything it printed. */
async function issuer(stdin: string, ...args: string[]) {
  const { io, stdout, stderr } = memoryIo({ readStdin: () => Promise.resolve(stdin) });
  const code = await runCli(['issuer', ...args], io);
  return { code, out: [...stdout(), ...stderr()].join('\n') };
}

const reissueArgs = [
  'reissue',
  '--key-file',
  '/nonexistent/issuer.json',
  '--url',
  'http://127.0.0.1:9',
  '--token',
  'tok_0123456789',
  '--card',
  '-',
  '--authority-key',
  '/nonexistent/authority.json',
];

describe('domicile issuer reissue', () => {
  it('refuses a card that is not JSON, or not a card, before any key or request, without echoing it', async () => {
    const notJson = await issuer(`${PAN} 12/2032`, ...reissueArgs);
    expect(notJson.code).not.toBe(0);
    expect(notJson.out).toContain('VALIDATION_FAILED');
    expect(notJson.out).not.toContain(PAN);

    const noName = await issuer(JSON.stringify({ pan: PAN, expiry: '12/2032' }), ...reissueArgs);
    expect(noName.out).toContain('VALIDATION_FAILED');
    expect(noName.out).not.toContain(PAN);

    const badExpiry = await issuer(
      JSON.stringify({ pan: PAN, expiry: '13/2032', name: 'Jane Doe' }),
      ...reissueArgs,
    );
    expect(badExpiry.out).toContain('VALIDATION_FAILED');
    expect(badExpiry.out).not.toContain(PAN);
  });

  it('takes a card with spaces and a 2-digit year, then reads the keys: a missing key file fails on it', async () => {
    const good = await issuer(
      JSON.stringify({ pan: `${PAN.slice(0, 4)} ${PAN.slice(4)}`, expiry: '12/32', name: 'Jane' }),
      ...reissueArgs,
    );
    expect(good.code).toBe(1);
    expect(good.out).toContain('CONFIG_INVALID');
    expect(good.out).toContain('/nonexistent/issuer.json');
    expect(good.out).not.toContain(PAN);
  });
});
