import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REGION_NODE_OPTIONS } from './bench-deployment.js';

const UNIT = new URL('../deploy/systemd/domicile-region@.service', import.meta.url);

describe('the bench region processes', () => {
  it('run with the Node options the systemd unit gives a region node', async () => {
    const unit = await readFile(UNIT, 'utf8');
    const options = /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1];
    expect(options?.split(' ')).toEqual(REGION_NODE_OPTIONS);
  });
});
