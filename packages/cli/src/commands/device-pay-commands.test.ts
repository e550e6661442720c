import { describe, expect, it } from 'vitest';
import { memoryIo } from '../io/index.js';
import { runCli } from '../program.js';

describe('device pay', () => {
  it('needs exactly one of --send and --out, and says so before the applet pays', async () => {
    const base = ['device', 'pay', '--wallet', '/nonexistent/w', '--card', '1111', '--amount', '1'];
    for (const extra of [[], ['--send', 'http://127.0.0.1:9', '--out', '/tmp/r.json']]) {
      const { io, stdout, stderr } = memoryIo();
      expect(await runCli([...base, ...extra], io)).toBe(2);
      expect(stdout()).toEqual([]);
      // The wallet is never opened: the error is the usage, not a missing wallet file.
      expect(stderr().join('\n')).toMatch(/^error VALIDATION_FAILED: .*--send\|--out/);
    }
  });
});
