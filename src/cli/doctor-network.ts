/**
 * Doctor's checks of the way to the gateway: which proxy a call would take, the gateway's TLS
 * certificate, and what a network error code means.
 */
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { Finding } from './doctor.js';
import { expiryCheck } from './doctor-keys.js';

type Check = Omit<Finding, 'tenant' | 'gateway'>;
type Env = Readonly<Record<string, string | undefined>>;

/** A proxy variable, lower case first as the axios sender reads them. */
const variable = (env: Env, name: string): [string, string] | undefined => {
  for (const n of [name.toLowerCase(), name.toUpperCase()]) if (env[n]) return [n, env[n]];
  return undefined;
};

/** Whether a NO_PROXY list exempts host:port: `*`, an exact name, or a `.suffix` / `*.suffix`, each with an optional port. */
function exempt(noProxy: string, host: string, port: number): boolean {
  if (noProxy === '*') return true;
  return noProxy
    .toLowerCase()
    .split(/[,\s]+/)
    .some((entry) => {
      const m = /^(.+):(\d+)$/.exec(entry);
      const name = m ? m[1]! : entry;
      if (!name || (m && Number(m[2]) !== port)) return false;
      return /^[.*]/.test(name) ? host.endsWith(name.replace(/^\*/, '')) : host === name;
    });
}

/** How the client's default (axios) sender reaches `url`: directly, exempted by NO_PROXY, or via a proxy. */
type Route =
  | { variable?: undefined }
  | { variable: string; exemptBy: string }
  | { variable: string; via: string };

/**
 * The route by the HTTP_PROXY / HTTPS_PROXY / ALL_PROXY and NO_PROXY rules the axios sender follows. `via`
 * is the proxy's address only: its URL may carry a user and password.
 */
export function proxyRoute(url: string, env: Env): Route {
  const u = new URL(url);
  const scheme = u.protocol.slice(0, -1);
  const proxy = variable(env, `${scheme}_proxy`) ?? variable(env, 'all_proxy');
  if (!proxy) return {};
  const no = variable(env, 'no_proxy');
  const port = Number(u.port) || (scheme === 'https' ? 443 : 80);
  if (no && exempt(no[1], u.hostname.toLowerCase(), port)) return { variable: proxy[0], exemptBy: no[0] };
  let via = 'a proxy';
  try {
    via = new URL(proxy[1].includes('://') ? proxy[1] : `${scheme}://${proxy[1]}`).host;
  } catch {}
  return { variable: proxy[0], via };
}

/**
 * Which proxy the gateway's calls would take. A proxy meant for the internet catching an intranet
 * gateway is a classic outage after a server move, hence a warning, not a verdict.
 */
export function proxyCheck(url: string, env: Env): Check {
  const u = new URL(url);
  const check = 'proxy variables';
  const route = proxyRoute(url, env);
  if (!route.variable) {
    const scheme = u.protocol.slice(0, -1).toUpperCase();
    return { check, status: 'ok', detail: `no ${scheme}_PROXY or ALL_PROXY: ${u.host} is reached directly` };
  }
  if ('exemptBy' in route)
    return {
      check,
      status: 'ok',
      detail: `${route.exemptBy} exempts ${u.host} from the proxy in ${route.variable}`,
    };
  return {
    check,
    status: 'warning',
    detail: `${route.variable} sends the calls to ${u.host} through ${route.via}`,
    fix: `if the gateway is not to be reached through that proxy (e.g. it is on the campus network), add ${u.hostname} to NO_PROXY`,
  };
}

/** What a network error code means, and what to look at: `CODE: meaning`, naming the host. */
export function networkAdvice(code: string | undefined, host: string): string {
  return code ? `${code}: ${meaning(code, host)}` : `${host} cannot be reached`;
}

function meaning(code: string, host: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${host}: the gateway is down, or the URL's port is wrong`;
    case 'ENOTFOUND':
      return `the name in ${host} does not resolve: check the URL's spelling and this machine's DNS`;
    case 'EAI_AGAIN':
      return `DNS did not answer for ${host}: check this machine's resolver (a temporary failure)`;
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return `${host} did not answer in time: a firewall dropping packets, a proxy, or the gateway is overloaded`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${host}: this machine's network or a VPN the gateway requires`;
    case 'ECONNRESET':
      return `${host} closed the connection: a proxy or firewall in between, or http where https is served`;
    default:
      return /CERT|TLS|SELF_SIGNED/.test(code)
        ? `${host}'s TLS certificate is refused: see the gateway TLS certificate findings`
        : `${host} cannot be reached`;
  }
}

/** Verification stops at the first error: after one of dates, the issuer was not judged. */
const DATES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * The gateway's TLS certificate, read from a handshake with certificate checks off so that an expired or
 * misnamed certificate can be described rather than only refused: its expiry (at `now`), whether it
 * names the host, and whether this machine trusts its issuer. No HTTP request is sent.
 */
export function tlsChecks(url: string, now: number, timeoutMs: number): Promise<Check[]> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || 443;
  return new Promise((done) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
    });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done([
        {
          check: 'gateway TLS certificate',
          status: 'skipped',
          detail: `no TLS handshake with ${u.host}: ${networkAdvice(err.code, u.host)}`,
        },
      ]),
    );
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      // Expiry and names have checks of their own: "trusted" is about the issuer alone. A name error
      // comes only after the issuer was verified.
      const error = socket.authorizationError ? String(socket.authorizationError) : undefined;
      const untrusted = error && error !== 'ERR_TLS_CERT_ALTNAME_INVALID' ? error : undefined;
      socket.destroy();
      if (!cert) {
        done([
          { check: 'gateway TLS certificate', status: 'failed', detail: `${u.host} sent no certificate` },
        ]);
        return;
      }
      const names = isIP(host) ? cert.checkIP(host) : cert.checkHost(host);
      done([
        expiryCheck('gateway TLS certificate', cert, now, `the gateway's operator must renew it`),
        {
          check: 'gateway TLS certificate names the host',
          status: names ? 'ok' : 'failed',
          detail: names
            ? `it names ${host}`
            : `it does not name ${host} (subject ${cert.subject.replaceAll('\n', ', ')}; ${cert.subjectAltName ?? 'no alternative names'})`,
          ...(names
            ? {}
            : {
                fix: 'use the host name the certificate was issued for in the gateway URL, or ask the operator for a certificate naming this one',
              }),
        },
        untrusted && DATES.has(untrusted)
          ? {
              check: 'gateway TLS certificate trusted',
              status: 'skipped',
              detail: `not judged: verification stopped at the certificate's dates (${untrusted})`,
            }
          : {
              check: 'gateway TLS certificate trusted',
              status: untrusted ? 'failed' : 'ok',
              detail: untrusted
                ? `this machine does not trust it (${untrusted})`
                : `issued by ${cert.issuer.replaceAll('\n', ', ')}`,
              ...(untrusted
                ? {
                    fix: "a gateway behind a private CA: give the client its CA certificate (the client's ca option)",
                  }
                : {}),
            },
      ]);
    });
  });
}
