/** Doctor's checks of the way to the gateway: proxy variables, the gateway's TLS certificate, network codes. */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkAdvice, proxyCheck, tlsChecks } from '../../../src/cli/doctor-network.js';
import { makeCertificate } from '../../helpers/certs.js';
import { scaled } from '../../helpers/timeouts.js';

const GATEWAY = 'https://card.campus.edu:8443/onecard/uap/gateway.action';

describe('proxy variables', () => {
  it.each([
    [{}, 'ok', /reached directly/],
    [
      { HTTPS_PROXY: 'http://proxy.corp:3128' },
      'warning',
      /HTTPS_PROXY sends the calls to card\.campus\.edu:8443 through proxy\.corp:3128/,
    ],
    [
      { https_proxy: 'proxy.lower:1', HTTPS_PROXY: 'http://proxy.upper:2' },
      'warning',
      /https_proxy .* through proxy\.lower:1/,
    ],
    [{ ALL_PROXY: 'http://all.corp:3128' }, 'warning', /ALL_PROXY/],
    [{ HTTP_PROXY: 'http://proxy.corp:3128' }, 'ok', /no HTTPS_PROXY/],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '.campus.edu' }, 'ok', /NO_PROXY exempts/],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'localhost, *.campus.edu' }, 'ok', /exempts/],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', no_proxy: 'card.campus.edu:8443' }, 'ok', /no_proxy exempts/],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'card.campus.edu:443' }, 'warning', /through/],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'campus.edu' }, 'warning', /through/],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '*' }, 'ok', /exempts/],
  ])('%j: %s', (env, status, detail) => {
    const check = proxyCheck(GATEWAY, env);
    expect(check.status).toBe(status);
    expect(check.detail).toMatch(detail);
    if (status === 'warning') expect(check.fix).toContain('add card.campus.edu to NO_PROXY');
  });

  it("never prints the proxy's user and password", () => {
    const check = proxyCheck(GATEWAY, { HTTPS_PROXY: 'http://proxyuser:Pr0xyPassw0rd@proxy.corp:3128' });
    expect(JSON.stringify(check)).not.toMatch(/proxyuser|Pr0xyPassw0rd/);
    expect(check.detail).toContain('proxy.corp:3128');
  });
});

describe('network codes name the host and what to look at', () => {
  it.each([
    ['ECONNREFUSED', /^ECONNREFUSED: nothing accepts connections at gw\.edu:8080/],
    ['ENOTFOUND', /^ENOTFOUND: the name in gw\.edu:8080 does not resolve/],
    ['ETIMEDOUT', /^ETIMEDOUT: gw\.edu:8080 did not answer in time/],
    [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      /^DEPTH_ZERO_SELF_SIGNED_CERT: gw\.edu:8080's TLS certificate is refused/,
    ],
    ['EWHATEVER', /^EWHATEVER: gw\.edu:8080 cannot be reached$/],
    [undefined, /^gw\.edu:8080 cannot be reached$/],
  ])('%s', (code, advice) => {
    expect(networkAdvice(code, 'gw.edu:8080')).toMatch(advice);
  });
});

describe("the gateway's TLS certificate", () => {
  // Self-signed, for another host name, ending on 2099-03-01: every TLS finding at once. Valid by the
  // host's clock (which the handshake's own verification reads), expiring by doctor's fake one.
  const misnamed = makeCertificate({
    commonName: 'card.other.edu',
    dns: ['card.other.edu'],
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2099-03-01T00:00:00Z'),
  });
  const named = makeCertificate({
    commonName: '127.0.0.1',
    ips: ['127.0.0.1'],
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2099-03-01T00:00:00Z'),
  });
  const servers: Array<ReturnType<typeof createServer>> = [];
  const urls: string[] = [];
  beforeAll(async () => {
    for (const c of [misnamed, named]) {
      const server = createServer({ key: c.keyPem, cert: c.certPem }, (_req, res) => res.end('no'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server);
      urls.push(`https://127.0.0.1:${(server.address() as AddressInfo).port}/gateway`);
    }
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  const now = Date.parse('2099-02-20T00:00:00Z');

  it('ending soon, not naming the host, not trusted: three findings from one handshake', async () => {
    const [expiry, names, trusted] = await tlsChecks(urls[0]!, now, scaled(5_000));
    expect(expiry).toMatchObject({ status: 'warning', detail: 'expires on 2099-03-01, in 9 days' });
    expect(names).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/does not name 127\.0\.0\.1.*card\.other\.edu/),
    });
    expect(trusted).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/DEPTH_ZERO_SELF_SIGNED_CERT/),
    });
    expect(trusted!.fix).toMatch(/ca option/);
  });

  it('a certificate naming the host passes that check; an expired one fails', async () => {
    const [expiry, names] = await tlsChecks(urls[1]!, Date.parse('2099-03-05T00:00:00Z'), scaled(5_000));
    expect(expiry).toMatchObject({ status: 'failed', detail: 'expired on 2099-03-01' });
    expect(names).toMatchObject({ status: 'ok', detail: 'it names 127.0.0.1' });
  });

  it('no handshake (nothing listening) is skipped, naming the host and the code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const [check] = await tlsChecks(`https://127.0.0.1:${port}/`, now, scaled(5_000));
    expect(check).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(`nothing accepts connections at 127.0.0.1:${port}`),
    });
  });
});
