/**
 * `campus-pay doctor`: checks a configuration against the real gateway without side effects, through the
 * SDK's own clients, so the proxy settings, TLS checks and error classes are those every call has.
 */
import axios from 'axios';
import { loadPublicKey, rsaSha1Sign, rsaSha1Verify } from '../core/crypto.js';
import {
  CampusPayError,
  ConfigurationError,
  GatewayError,
  SignatureError,
  TransportError,
} from '../core/errors.js';
import { formatGatewayTime } from '../core/time.js';
import type { TokenStore } from '../core/token-store.js';
import { CAMPUS_PAY_ENV, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from '../env.js';
import { OneCardClient } from '../onecard/client.js';
import { TOKEN_INVALID } from '../onecard/codes.js';
import { ZhixiaoPayClient } from '../zhixiao/client.js';
import { privateKeyOf } from './debug.js';

/** A doctor check: `skipped` is never reported as passed. */
interface Check {
  check: string;
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
}

const status = (ok: boolean): Check['status'] => (ok ? 'ok' : 'failed');

/**
 * A token store for the probe: it always holds a token the gateway cannot know (a new one after each
 * 40017, so the client's one resend gets the same answer) and refuses the lock a token fetch needs. The
 * client therefore never fetches a real token, which would invalidate the one the services hold.
 */
function probeTokens(): TokenStore {
  let n = 0;
  const token = () => `campus-pay-doctor-probe-${n}`;
  return {
    get: async () => ({ token: token(), fetchedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }),
    set: async () => {},
    delete: async (_key, failed) => {
      if (failed === token()) n++;
    },
    lock: async () => {
      throw new ConfigurationError('doctor', 'never fetches an access token');
    },
  };
}

/** What each code means when it answers the probe. */
const VERDICT: Record<string, string> = {
  '40002': 'the app key is wrong: check CAMPUS_PAY_ONECARD_APP_KEY (appKey) and the gateway URL',
  '40015':
    "the request did not decrypt: desKey (CAMPUS_PAY_ONECARD_DES_KEY) is probably not this app key's 3DES key",
  '40004': 'the gateway rejects our signature: the private key is not the one registered',
  '40018': 'the gateway rejects our timestamp: fix the clock',
};

/**
 * OneCard: a query with a token the gateway cannot know must come back 40017 — which proves the URL, the
 * app key (not 40002), our signature (not 40004) and our clock (not 40018) — without a token fetch.
 */
async function doctorOneCard(): Promise<Check[]> {
  const checks: Check[] = [];
  const options = oneCardOptionsFromEnv();
  const merchantPublic = process.env[CAMPUS_PAY_ENV.onecard.merchantPublicKey];
  if (merchantPublic) {
    const key = privateKeyOf(options);
    const same = rsaSha1Verify(
      'doctor',
      rsaSha1Sign('doctor', key),
      loadPublicKey(merchantPublic.replaceAll('\\n', '\n')),
    );
    checks.push({
      check: 'private key matches the registered public key',
      status: status(same),
      detail: same ? 'yes' : `no: ${CAMPUS_PAY_ENV.onecard.merchantPublicKey} is another key pair`,
    });
  } else {
    checks.push({
      check: 'private key matches the registered public key',
      status: 'skipped',
      detail: `set ${CAMPUS_PAY_ENV.onecard.merchantPublicKey} to check`,
    });
  }
  // The SDK's own axios sender, on an instance whose interceptor keeps the reply's Date header.
  let date: string | undefined;
  const http = axios.create();
  http.interceptors.response.use((res) => {
    date = res.headers.date === undefined ? undefined : String(res.headers.date);
    return res;
  });
  const client = new OneCardClient({ ...options, tokenStore: probeTokens(), axios: http });
  const err = await client.queryCard({ idtype: 'sno', id: '0' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof TransportError) {
    checks.push({ check: 'gateway reachable', status: 'failed', detail: err.message });
    return checks;
  }
  const skew = date ? Math.round((Date.now() - Date.parse(date)) / 1000) : undefined;
  checks.push({
    check: 'clock skew vs gateway (must be within ±360 s)',
    status: skew === undefined ? 'skipped' : status(Math.abs(skew) < 300),
    detail:
      skew === undefined
        ? 'gateway sent no Date header'
        : `${skew} s; local Beijing time ${formatGatewayTime()}`,
  });
  const code = err instanceof GatewayError ? err.gatewayCode : undefined;
  checks.push({
    check: 'gateway accepts our signature, app key and timestamp',
    status: status(code === TOKEN_INVALID),
    detail:
      code === TOKEN_INVALID
        ? `yes (answered ${TOKEN_INVALID} for a token it cannot know, as expected)`
        : code
          ? `${code}: ${VERDICT[code] ?? (err as Error).message}`
          : err instanceof SignatureError
            ? 'the reply does not verify with platformPublicKey'
            : String((err as Error | undefined)?.message ?? 'unexpected success'),
  });
  return checks;
}

/** Zhixiao: a query for an order that does not exist, whose answer must be signed with our appSecret. */
async function doctorZhixiao(): Promise<Check[]> {
  const client = new ZhixiaoPayClient(zhixiaoOptionsFromEnv());
  const err = await client.queryOrder({ out_trade_no: `doctor-${Date.now()}` }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const signed = err === undefined || err instanceof GatewayError;
  // -2 (参数校验失败) for a well-formed probe means the gateway could not read our param.
  const unreadable = err instanceof GatewayError && err.gatewayCode === '-2';
  return [
    {
      check: 'gateway answers with a reply signed with our appSecret',
      status: status(signed),
      detail: signed ? 'yes' : err instanceof CampusPayError ? `${err.code}: ${err.message}` : String(err),
    },
    {
      check: 'gateway decrypts our param (aesKey) and accepts our sign (appSecret)',
      status: signed ? status(!unreadable) : 'skipped',
      detail: !signed
        ? 'needs a signed reply first'
        : unreadable
          ? '-2 参数校验失败: aesKey (CAMPUS_PAY_ZHIXIAO_AES_KEY) or appSecret is probably wrong'
          : `yes${err ? ` (${(err as GatewayError).gatewayMessage})` : ''}`,
    },
  ];
}

/** Checks a configuration against the real gateway without side effects. */
export function doctor(gateway: 'onecard' | 'zhixiao'): Promise<Check[]> {
  return gateway === 'onecard' ? doctorOneCard() : doctorZhixiao();
}
