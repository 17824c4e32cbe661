/**
 * The built declarations carry each reply field's bilingual doc (hover in an editor): reply types are
 * their schemas' outputs, so the doc sits on the schema's key, and editors follow it to the field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dts = readFileSync(join(import.meta.dirname, '..', '..', 'dist', 'index.d.ts'), 'utf8');

describe('dist/index.d.ts', () => {
  it.each([
    ['CardInfo', 'db_balance', '库余额'],
    ['QueryRechargeOrderReply', 'order_status', '订单状态'],
    ['QueryOrderReply', 'status', '支付状态'],
    ['PayByBarcodeReply', 'tranamt', '交易金额'],
  ])('%s is exported, and its field %s is documented (%s)', (name, field, words) => {
    expect(dts).toMatch(new RegExp(`\\btype ${name}\\b`));
    // The doc comment right before the key, wherever the schema declares it.
    const documented = new RegExp(
      `/\\*\\*(?:(?!\\*/)[\\s\\S])*${words}(?:(?!\\*/)[\\s\\S])*\\*/\\s*${field}\\??:`,
    );
    expect(dts).toMatch(documented);
  });
});
