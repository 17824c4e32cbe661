/** FaultControls: which call takes a fault queued by `next()`, and what `armed()` and `onChange` report. */
import { describe, expect, it } from 'vitest';
import { type CallInfo, FaultControls } from '../../../src/sandbox/faults.js';

const token: CallInfo = { token: true, money: false, method: 'getAccessToken' };
const call = (method: string, money = false): CallInfo => ({ token: false, money, method });

describe('next() aimed at a method', () => {
  it('is taken only by calls of that method, token fetch included when it is the one named', () => {
    const f = new FaultControls();
    f.next('serverError', { method: 'payByBarcode', count: 2 });
    f.next('serverError', { method: 'getAccessToken' });
    expect(f.roll('serverError', call('queryCard'))).toBe(false);
    expect(f.roll('serverError', token)).toBe(true);
    expect(f.roll('serverError', token)).toBe(false);
    expect(f.roll('serverError', call('payByBarcode', true))).toBe(true);
    expect(f.armed()).toEqual([{ kind: 'serverError', method: 'payByBarcode', remaining: 1 }]);
    expect(f.roll('serverError', call('payByBarcode', true))).toBe(true);
    expect(f.roll('serverError', call('payByBarcode', true))).toBe(false);
    expect(f.armed()).toEqual([]);
  });

  it('without a method skips the token fetch unless includeToken; the first armed that matches is used', () => {
    const f = new FaultControls();
    f.next('busy');
    expect(f.roll('busy', token)).toBe(false);
    f.next('busy', { includeToken: true });
    expect(f.roll('busy', token)).toBe(true);
    expect(f.armed()).toEqual([{ kind: 'busy', remaining: 1 }]);
    expect(f.roll('dropBeforeProcess', call('queryCard'))).toBe(false);
    expect(f.roll('busy', call('queryCard'))).toBe(true);
    expect(f.armed()).toEqual([]);
  });

  it('records on the call each fault that strikes it', () => {
    const f = new FaultControls();
    f.next('badSignature');
    f.next('truncated');
    const c = call('queryOrder');
    f.roll('badSignature', c);
    f.roll('emptyBody', c);
    f.roll('truncated', c);
    expect(c.hit).toEqual(['badSignature', 'truncated']);
  });

  it('tells onChange of every change: armed, used, set, cleared', () => {
    let changes = 0;
    const f = new FaultControls(() => void changes++);
    f.next('slow');
    f.roll('slow', call('queryCard'));
    f.roll('slow', call('queryCard'));
    f.set({ latencyMs: 5 });
    f.clear();
    expect(changes).toBe(4);
  });

  it('refuses an unknown kind or method, a method on a notice kind, a count below 1', () => {
    const f = new FaultControls();
    expect(() => f.next('meltdown' as 'busy')).toThrow(/^kind: "meltdown"/);
    expect(() => f.next('busy', { method: 'payByCash' })).toThrow(/^method: "payByCash"/);
    expect(() => f.next('dropNotice', { method: 'createOrder' })).toThrow(/applies to notices/);
    expect(() => f.next('busy', 0)).toThrow(/^count/);
    expect(() => f.next('busy', 1.5)).toThrow(/^count/);
    expect(f.armed()).toEqual([]);
  });
});
