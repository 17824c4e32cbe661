import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCompactTime, formatGatewayTime, parseBeijingTime } from '../../../src/core/time.js';
import { MemoryTokenStore, OneCardClient } from '../../../src/index.js';
import { oneCardOptions } from '../../helpers/keys.js';
import { mockOneCard, tokenAnswer } from '../../helpers/mock-onecard.js';

// The host's zone must never leak into gateway timestamps: run this file as a New York host.
const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/New_York';
  nock.disableNetConnect();
});
afterAll(() => {
  process.env.TZ = savedTz;
  nock.cleanAll();
});

describe('Beijing time whatever the host zone', () => {
  it('the host really is in New York for this test', () => {
    expect(new Date('2026-01-15T12:00:00Z').getTimezoneOffset()).toBe(300);
  });

  it('formats an instant as Beijing wall-clock time', () => {
    const t = new Date('2026-01-15T16:30:05Z'); // 11:30:05 in New York, 00:30:05 next day in Beijing
    expect(formatGatewayTime(t)).toBe('2026-01-16 00:30:05');
    expect(formatCompactTime(t)).toBe('20260116003005');
    expect(formatGatewayTime(t, 'UTC')).toBe('2026-01-15 16:30:05');
  });

  it('parses Beijing wall-clock time back to the same instant, refusing impossible dates', () => {
    expect(parseBeijingTime('2026-01-16 00:30:05')?.toISOString()).toBe('2026-01-15T16:30:05.000Z');
    expect(parseBeijingTime('20260116003005')?.toISOString()).toBe('2026-01-15T16:30:05.000Z');
    expect(parseBeijingTime('2026-02-30 00:00:00')).toBeUndefined();
    expect(parseBeijingTime('yesterday')).toBeUndefined();
  });

  it('the client stamps requests in Beijing time', async () => {
    const { seen } = mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1) : { data: { card: [] } },
    );
    await new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() }).queryCard({
      idtype: 'acc',
      id: '1',
    });
    const sent = parseBeijingTime(seen[1]!.fields.timestamp!)!;
    expect(Math.abs(sent.getTime() - Date.now())).toBeLessThan(5_000);
  });
});
