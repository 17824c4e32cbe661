import { describe, expect, it } from 'vitest';
import { TIMEOUTS } from '../helpers/timeouts.js';
import { runMatrix, wrongCells } from './matrix.js';

// The retry and never-resend rules must not depend on how the bytes are sent: the fault matrix of
// fault-matrix.test.ts again, with `httpClient: 'node'`. In `npm run test:heavy` (vitest.config.ts).
describe('fault matrix with the node sender', () => {
  it(
    'each cell ends in a retry that succeeds (queries) or a typed error, and no call is processed twice',
    async () => {
      expect(wrongCells(await runMatrix('node'))).toEqual([]);
    },
    TIMEOUTS.slow,
  );
});
