/** The built declarations carry named reply interfaces with their bilingual field docs (hover in an editor). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dts = readFileSync(join(import.meta.dirname, '..', '..', 'dist', 'index.d.ts'), 'utf8');

describe('dist/index.d.ts', () => {
  it.each([
    ['CardInfo', 'db_balance', '库余额'],
    ['QueryRechargeOrderReply', 'order_state', 'unknown'],
    ['QueryOrderReply', 'status', '支付状态'],
    ['PayByBarcodeReply', 'tranamt', '交易金额'],
  ])('interface %s documents %s', (name, field, words) => {
    const body = dts.slice(dts.indexOf(`interface ${name} `));
    expect(body.length).toBeLessThan(dts.length);
    const decl = body.slice(0, body.indexOf('\n}'));
    const at = decl.indexOf(`    ${field}`);
    expect(at).toBeGreaterThan(0);
    const doc = decl.slice(decl.lastIndexOf('/**', at), at);
    expect(doc).toContain(words);
  });
});
