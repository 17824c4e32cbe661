/**
 * The floor and the naive peer: the same OneCard envelope written by hand, once on bare node:crypto with
 * keys parsed once, and once on node-forge (what several public clients do). No validation, no retries.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import forge from 'node-forge';
import type { BenchKeys } from './fixtures.js';

const IV = Buffer.alloc(8);
const sorted = (f: Record<string, string>) =>
  Object.keys(f)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => k + f[k])
    .join('');

export function bareCrypto(keys: BenchKeys) {
  const priv: KeyObject = createPrivateKey(keys.merchantPrivatePem);
  const pub: KeyObject = createPublicKey(keys.platformPublicPem);
  const des = Buffer.from(keys.desKey, 'base64');
  return {
    build(method: string, token: string, payload: unknown, timestamp: string): Record<string, string> {
      const c = createCipheriv('des-ede3-cbc', des, IV);
      const wrapper = method.replace(/^synjones\.(onecard\.)?/, '').replaceAll('.', '_');
      const request = Buffer.concat([c.update(JSON.stringify({ [wrapper]: payload })), c.final()]).toString(
        'base64',
      );
      const f: Record<string, string> = {
        method,
        timestamp,
        format: 'json',
        app_key: 'bench',
        access_token: token,
        v: '2.0',
        sign_method: 'rsa',
        request,
      };
      f.sign = sign('sha1', Buffer.from(sorted(f)), priv).toString('base64');
      return f;
    },
    decode(body: string): unknown {
      const f: Record<string, string> = {};
      for (const p of body.split('&')) {
        const i = p.indexOf('=');
        f[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1));
      }
      if (!verify('sha1', Buffer.from(sorted(f)), pub, Buffer.from(f.sign!, 'base64')))
        throw new Error('bad sign');
      const d = createDecipheriv('des-ede3-cbc', des, IV);
      return JSON.parse(
        Buffer.concat([d.update(Buffer.from(f.request!, 'base64')), d.final()]).toString('utf8'),
      );
    },
  };
}

export function bareForge(keys: BenchKeys) {
  const priv = forge.pki.privateKeyFromPem(keys.merchantPrivatePem);
  const pub = forge.pki.publicKeyFromPem(keys.platformPublicPem);
  const des = forge.util.decode64(keys.desKey);
  const iv = '\0'.repeat(8);
  return {
    build(method: string, token: string, payload: unknown, timestamp: string): Record<string, string> {
      const c = forge.cipher.createCipher('3DES-CBC', des);
      c.start({ iv });
      const wrapper = method.replace(/^synjones\.(onecard\.)?/, '').replaceAll('.', '_');
      c.update(forge.util.createBuffer(forge.util.encodeUtf8(JSON.stringify({ [wrapper]: payload }))));
      c.finish();
      const request = forge.util.encode64(c.output.getBytes());
      const f: Record<string, string> = {
        method,
        timestamp,
        format: 'json',
        app_key: 'bench',
        access_token: token,
        v: '2.0',
        sign_method: 'rsa',
        request,
      };
      const md = forge.md.sha1.create();
      md.update(forge.util.encodeUtf8(sorted(f)));
      f.sign = forge.util.encode64(priv.sign(md));
      return f;
    },
    decode(body: string): unknown {
      const f: Record<string, string> = {};
      for (const p of body.split('&')) {
        const i = p.indexOf('=');
        f[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1));
      }
      const md = forge.md.sha1.create();
      md.update(forge.util.encodeUtf8(sorted(f)));
      if (!pub.verify(md.digest().bytes(), forge.util.decode64(f.sign!))) throw new Error('bad sign');
      const d = forge.cipher.createDecipher('3DES-CBC', des);
      d.start({ iv });
      d.update(forge.util.createBuffer(forge.util.decode64(f.request!)));
      d.finish();
      return JSON.parse(forge.util.decodeUtf8(d.output.getBytes()));
    },
  };
}
