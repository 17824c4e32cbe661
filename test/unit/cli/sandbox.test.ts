/**
 * `campus-pay sandbox --fault …`: the flag syntax, its refusals (with the closest kind or method), and the
 * line printed per notification attempt. Expected values are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { noticeLine, parseFaults } from '../../../src/cli/sandbox.js';
import { ValidationError } from '../../../src/core/errors.js';
import { FaultControls } from '../../../src/sandbox/faults.js';
import type { NoticeEvent } from '../../../src/sandbox/index.js';

describe('parseFaults', () => {
  it('kind, kind:n, method:kind[:n] (SDK or wire name), kind=share and knob=value', () => {
    expect(
      parseFaults([
        'serverError',
        'dropNotice:3',
        'transfer:commitThenDrop:2',
        'synjones.onecard.query.card:busy',
        '/pay_api/order_query:truncated',
        'badSignature=0.25',
        'latencyMs=200',
        'busyAbove=4',
      ]),
    ).toEqual({
      set: { badSignature: 0.25, latencyMs: 200, busyAbove: 4 },
      next: [
        { kind: 'serverError', count: 1 },
        { kind: 'dropNotice', count: 3 },
        { kind: 'commitThenDrop', count: 2, method: 'transfer' },
        { kind: 'busy', count: 1, method: 'queryCard' },
        { kind: 'truncated', count: 1, method: 'queryOrder' },
      ],
    });
  });

  it.each([
    ['commitThenDorp', 'did you mean commitThenDrop?'],
    ['transfer:commitThenDorp:2', 'did you mean commitThenDrop?'],
    ['transfr:commitThenDrop', 'did you mean transfer?'],
    ['latencyMS=5', 'did you mean latencyMs?'],
    ['nothingLikeIt', 'is not a fault (see --help)'],
    ['serverError=2', 'a share from 0 to 1'],
    ['serverError=', 'a share from 0 to 1'],
    ['latencyMs=-1', 'a whole number of milliseconds'],
    ['serverError:0', 'is not [method:]kind[:count]'],
    ['a:b:serverError', 'is not [method:]kind[:count]'],
  ])('%s is refused: %s', (flag, why) => {
    let err: unknown;
    try {
      parseFaults([flag]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]).toMatchObject({ path: '--fault' });
    expect((err as ValidationError).message).toContain(why);
    expect((err as ValidationError).message).toContain(`"${flag}"`);
  });
});

describe('FaultControls.next with a method', () => {
  it('only calls of that method take it, as many as asked', () => {
    const f = new FaultControls();
    f.next('commitThenDrop', { count: 2, method: 'transfer' });
    const transfer = { token: false, money: true, method: 'transfer' };
    expect(f.roll('commitThenDrop', { token: false, money: true, method: 'recharge' })).toBe(false);
    expect(f.roll('commitThenDrop')).toBe(false);
    expect([1, 2, 3].map(() => f.roll('commitThenDrop', transfer))).toEqual([true, true, false]);
    f.next('busy', { method: 'transfer' });
    f.clear();
    expect(f.roll('busy', transfer)).toBe(false);
  });
});

describe('noticeLine: one line per attempt', () => {
  const AT = '2025-01-01T00:00:00.000Z';
  const event = (extra: Partial<NoticeEvent> = {}): NoticeEvent => ({
    type: 'notice',
    at: AT,
    id: 1,
    gateway: 'zhixiao',
    ref: 'ZX1',
    url: 'http://127.0.0.1:3000/notify',
    what: 'attempt',
    acknowledged: false,
    ...extra,
  });
  const attempt = (n: number, status: number, answer: string, acknowledged = false) => ({
    at: AT,
    n,
    status,
    answer,
    acknowledged,
  });

  it('the answer, then what happens next', () => {
    expect(
      noticeLine(
        // The wait as scheduled, not the clocks: the event is stamped a moment after the schedule was set.
        event({
          attempt: attempt(1, 500, 'oops'),
          nextAttemptAt: '2025-01-01T00:00:01.999Z',
          nextAttemptInMs: 2000,
        }),
      ),
    ).toBe(
      'notice zhixiao ZX1 → http://127.0.0.1:3000/notify: 500 "oops" — not acknowledged; attempt 2 in 2 s',
    );
    expect(noticeLine(event({ attempt: attempt(2, 200, 'success', true), acknowledged: true }))).toBe(
      'notice zhixiao ZX1 → http://127.0.0.1:3000/notify: 200 "success" — acknowledged',
    );
    expect(
      noticeLine(event({ attempt: attempt(2, 0, 'unreachable: fetch failed'), origin: 'duplicate' })),
    ).toBe(
      'notice zhixiao ZX1 (duplicate) → http://127.0.0.1:3000/notify: unreachable: fetch failed — not acknowledged; gave up after 2 attempts',
    );
    expect(noticeLine(event({ what: 'dropped' }))).toBe(
      'notice zhixiao ZX1 → http://127.0.0.1:3000/notify: dropped, no more attempts',
    );
    // The merchant's own order number first, when the sandbox knows it.
    expect(noticeLine(event({ what: 'dropped', orderKey: 'T1' }))).toBe(
      'notice zhixiao T1 (ZX1) → http://127.0.0.1:3000/notify: dropped, no more attempts',
    );
    // A first attempt being scheduled is no attempt yet: no line.
    expect(noticeLine(event({ what: 'scheduled', nextAttemptAt: AT }))).toBeUndefined();
  });
});
