/** Small things an integrator trips over: yuan strings, env-var PEMs, directories as keys, gateway-made URLs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  fenToYuan,
  OneCardClient,
  rechargeToHtmlForm,
  rechargeToQrPayload,
  ValidationError,
  yuanToFen,
} from '../../src/index.js';
import { merchantKeyPem, oneCardOptions } from '../helpers/keys.js';

describe('yuanToFen / fenToYuan', () => {
  it.each([
    ['198', 19800],
    ['198.0', 19800],
    ['198.00', 19800],
    ['0.1', 10],
    ['0.01', 1],
    ['12.5', 1250],
  ])('%s yuan → %i fen', (yuan, fen) => {
    expect(yuanToFen(yuan)).toBe(fen);
  });

  it.each(['1.234', '-1', '+1', '1e2', ' 1', '01', '', '¥1', '1,000'])('refuses %j', (yuan) => {
    expect(() => yuanToFen(yuan)).toThrow(ValidationError);
  });

  it('refuses numbers: 198.0 as a number is exactly the bug', () => {
    expect(() => yuanToFen(198.0 as unknown as string)).toThrow(ValidationError);
  });

  it('fenToYuan is exact and refuses fractions', () => {
    expect([fenToYuan(19800), fenToYuan(1), fenToYuan(0), fenToYuan(1250)]).toEqual([
      '198.00',
      '0.01',
      '0.00',
      '12.50',
    ]);
    expect(() => fenToYuan(1.5)).toThrow(ValidationError);
    expect(() => fenToYuan(-1)).toThrow(ValidationError);
  });
});

describe('key inputs', () => {
  it('a PEM with literal \\n escapes (as an env var holds it) is read', () => {
    const escaped = merchantKeyPem.trim().replaceAll('\n', '\\n');
    expect(() => new OneCardClient({ ...oneCardOptions, privateKey: escaped })).not.toThrow();
  });

  it('a directory given as a key path is a ConfigurationError naming the option, not EISDIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'campus-pay-key-'));
    const err = (() => {
      try {
        new OneCardClient({ ...oneCardOptions, privateKey: dir });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).option).toBe('privateKey');
  });
});

describe('recharge reply helpers refuse what the gateway must not send', () => {
  it('rechargeToHtmlForm refuses a javascript: action', () => {
    expect(() =>
      rechargeToHtmlForm({ post_type: 'post', post_url: 'javascript:alert(1)', post_data: '' }),
    ).toThrow(ValidationError);
  });

  it('rechargeToQrPayload refuses broken percent-encoding with a ValidationError, not a URIError', () => {
    expect(() =>
      rechargeToQrPayload({ post_type: 'native', post_url: 'weixin://x', post_data: 'img=%E0%A4%A' }),
    ).toThrow(ValidationError);
  });
});
