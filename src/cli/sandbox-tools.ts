/** `campus-pay sandbox pay` and `campus-pay trigger`: playing the payer and the gateway from a terminal. */

import { loadPrivateKey } from '../core/crypto.js';
import { ConfigurationError, ProtocolError, TransportError } from '../core/errors.js';
import { formatCompactTime, formatGatewayTime } from '../core/time.js';
import { CAMPUS_PAY_ENV, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from '../env.js';
import { buildOneCardNotification, ONECARD_ACKS } from '../onecard/notifications.js';
import { ZhixiaoPayClient } from '../zhixiao/client.js';
import { ZHIXIAO_ACKS } from '../zhixiao/notifications.js';
import { badArgument } from './args.js';
import { SANDBOX_ENV } from './env-file.js';

/** The running sandbox: --url, else CAMPUS_PAY_SANDBOX_URL, else the origin of the configured gateway URLs. */
export function sandboxUrl(flag: string | undefined): string {
  const candidates = [
    flag,
    process.env[SANDBOX_ENV.url],
    process.env[CAMPUS_PAY_ENV.zhixiao.baseUrl],
    process.env[CAMPUS_PAY_ENV.onecard.gatewayUrl],
  ];
  const raw = candidates.find((v) => v);
  if (!raw)
    throw new ConfigurationError(
      SANDBOX_ENV.url,
      'is not set: pass --url, or run "campus-pay sandbox --write-env .env" and use that file',
    );
  try {
    return new URL(raw).origin;
  } catch {
    throw new ConfigurationError(flag ? '--url' : SANDBOX_ENV.url, 'is not a URL');
  }
}

interface SandboxState {
  orders: Array<{ order_id: string; out_trade_no: string; status: number }>;
  recharges: Array<{ out_id: string; order_no: string; order_status: string }>;
}

/**
 * fetch (to the sandbox's pages or your endpoint, not to a gateway), with a failure to connect named by
 * its system code rather than undici's bare "fetch failed".
 */
async function send(command: string, url: string | URL, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (err as Error).name === 'TimeoutError'
        ? 'timed out'
        : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new TransportError({
      method: `campus-pay ${command}`,
      // fetch does not say whether the request left: assume it may have.
      mayHaveReachedGateway: true,
      causeCode: cause?.code,
      message: `could not reach ${what} at ${new URL(url).origin}: ${why}`,
    });
  }
}

async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const res = await send(
    'sandbox pay',
    url,
    { ...init, signal: AbortSignal.timeout(10_000) },
    'the sandbox (is "campus-pay sandbox" running?)',
  );
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok || body === undefined)
    throw new ProtocolError(res.status, `the sandbox at ${new URL(url).origin} gave no JSON answer`);
  return body;
}

/**
 * Pays (or fails) a sandbox order as the payer would on its pay page: a Zhixiao order by out_trade_no (or
 * order_id), a OneCard recharge by order_no (or out_id). The sandbox then notifies the merchant.
 */
export async function paySandboxOrder(base: string, ref: string, paid: boolean) {
  const find = async () => {
    const s = (await getJson(`${base}/api/state`)) as SandboxState;
    const order = s.orders.find((o) => o.out_trade_no === ref || o.order_id === ref);
    if (order) return { gateway: 'zhixiao' as const, id: order.order_id, record: order };
    const recharge = s.recharges.find((r) => r.order_no === ref || r.out_id === ref);
    if (recharge) return { gateway: 'onecard' as const, id: recharge.out_id, record: recharge };
    return undefined;
  };
  const found = await find();
  if (!found)
    throw badArgument(
      'sandbox pay',
      '<order>',
      `the sandbox at ${base} has no Zhixiao order (out_trade_no) or OneCard recharge (order_no) "${ref}"`,
    );
  const action = (await getJson(
    `${base}/pay/${found.gateway}/${encodeURIComponent(found.id)}/${paid ? 'pay' : 'fail'}`,
    { method: 'POST' },
  )) as { state: string; return_to?: string };
  const after = await find();
  const record = (after ?? found).record;
  const status = (r: SandboxState['orders'][number] | SandboxState['recharges'][number]) =>
    'status' in r ? String(r.status) : r.order_status;
  const isPaid =
    found.gateway === 'zhixiao' ? status(record) === '2' : ['40', '50', '60'].includes(status(record));
  const ok = paid === isPaid;
  // Only a waiting order (Zhixiao 1, OneCard 10) can be paid or failed: say so rather than exit 1 silently.
  const waiting = status(found.record) === (found.gateway === 'zhixiao' ? '1' : '10');
  const note = ok
    ? undefined
    : waiting
      ? `the sandbox did not ${paid ? 'pay' : 'fail'} "${ref}": it reads ${action.state}`
      : `"${ref}" was already settled (${action.state}) before this command: only a waiting order can be paid or failed`;
  return {
    // Where the payer's browser goes next, without the query: for OneCard it carries the signed notice.
    result: {
      gateway: found.gateway,
      state: action.state,
      order: record,
      return_to: action.return_to?.split('?')[0],
      ...(note === undefined ? {} : { note }),
    },
    ok,
  };
}

const stamp = () => `${Date.now()}${Math.floor(Math.random() * 1000)}`;

/** A plausible paid notice of each gateway; the user's JSON overrides any field. */
function defaultNotice(gateway: 'onecard' | 'zhixiao'): Record<string, unknown> {
  const id = stamp();
  if (gateway === 'onecard') {
    const paidAt = formatCompactTime();
    return {
      account: '10001',
      acctype: '###',
      order_no: `TRG${id}`,
      order_amount: '100',
      out_id: `trigger-${id}`,
      pay_time: paidAt,
      sttl_date: paidAt.slice(0, 8),
      order_status: '0',
    };
  }
  return {
    out_trade_no: `trigger-${id}`,
    order_id: `TRG${id}`,
    time_end: formatGatewayTime(),
    uid: '2088000000000000',
    pay_type: '2',
  };
}

/**
 * Sends a correctly signed payment notice to `to`, as the gateway does (a form POST), and reports the
 * endpoint's answer. OneCard notices are signed with the platform's private key, which only a sandbox
 * gives out: the endpoint must trust that sandbox's platform public key.
 */
export async function trigger(gateway: 'onecard' | 'zhixiao', to: string | undefined, overrides: unknown) {
  if (!to) throw badArgument('trigger', '--to', 'missing; give the URL of your notification endpoint');
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw badArgument('trigger', '--to', 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badArgument('trigger', '--to', 'must be http(s)');
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides))
    throw badArgument(
      'trigger',
      '[json]',
      'the notice overrides must be a JSON object, e.g. {"order_amount":"250"}',
    );
  const notice = { ...defaultNotice(gateway), ...(overrides as Record<string, unknown>) };
  let body: string;
  let ack: string;
  if (gateway === 'onecard') {
    const pem = process.env[SANDBOX_ENV.platformPrivateKey];
    if (!pem)
      throw new ConfigurationError(
        SANDBOX_ENV.platformPrivateKey,
        'is not set: OneCard notices are signed with the platform private key, which only the sandbox has ("campus-pay sandbox --write-env .env" writes it)',
      );
    const platformPrivateKey = loadPrivateKey(pem.replaceAll('\\n', '\n'), {
      option: SANDBOX_ENV.platformPrivateKey,
    });
    body = buildOneCardNotification({ desKey: oneCardOptionsFromEnv().desKey, platformPrivateKey }, notice);
    ack = ONECARD_ACKS.ok;
  } else {
    body = new ZhixiaoPayClient(zhixiaoOptionsFromEnv()).buildNotification(notice);
    ack = ZHIXIAO_ACKS.ok;
  }
  const res = await send(
    'trigger',
    url,
    {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      signal: AbortSignal.timeout(15_000),
    },
    'the endpoint',
  );
  const answer = await res.text();
  const acknowledged = res.ok && answer.trim() === ack;
  return { result: { to: url.href, status: res.status, body: answer, acknowledged, notice }, acknowledged };
}
