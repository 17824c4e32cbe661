/** The clients the CLI builds from CAMPUS_PAY_* variables (the environment or --env-file). */
import { ConfigurationError, GatewayError } from '../core/errors.js';
import { defaultCacheDir, FileTokenStore } from '../core/file-token-store.js';
import { tokenKey } from '../core/token-store.js';
import { CAMPUS_PAY_ENV, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from '../env.js';
import { OneCardClient, type OneCardClientOptions } from '../onecard/client.js';
import { ONECARD_BUSINESS_CODES, TOKEN_FETCH_LIMIT } from '../onecard/codes.js';
import { TOO_OFTEN, tooOftenAdvice } from '../onecard/token.js';
import { ZhixiaoPayClient, type ZhixiaoPayClientOptions } from '../zhixiao/client.js';

/** Options every client of one run shares (a journal), on top of what the environment gives. */
export type SharedOptions = Partial<OneCardClientOptions & ZhixiaoPayClientOptions>;

/**
 * A OneCardClient from the environment. A token given in the environment wins; otherwise the on-disk
 * cache, so runs in a row share a token (unless `noTokenCache`). `noteRefusal` records a token refusal
 * in the cache, so the next run does not try again too soon.
 */
export async function oneCardFromEnv(noTokenCache: boolean, shared: SharedOptions = {}) {
  const options = oneCardOptionsFromEnv();
  const cache =
    options.tokenStore || noTokenCache
      ? undefined
      : new FileTokenStore(defaultCacheDir(), { onWriteError: warnOnce });
  const client = new OneCardClient({ ...options, ...shared, ...(cache ? { tokenStore: cache } : {}) });
  // The client's own (normalised) URL and app key: the key its token manager uses.
  const key = tokenKey(client.gatewayUrl, client.appKey);
  if (cache) await refuseIfPaused(cache, key);
  const noteRefusal = async (err: unknown) => {
    if (cache && err instanceof GatewayError && TOO_OFTEN.has(err.gatewayCode)) await cache.noteRefusal(key);
  };
  return { client, noteRefusal };
}

export const zhixiaoFromEnv = (shared: SharedOptions = {}) =>
  new ZhixiaoPayClient({ ...zhixiaoOptionsFromEnv(), ...shared });

export type CliClient = OneCardClient | ZhixiaoPayClient;

/**
 * A client for each gateway the environment configures: one whose URL variable is set (then every
 * variable it needs must be set too). At least one must be.
 */
export async function configuredClients(noTokenCache: boolean, shared: SharedOptions = {}) {
  const clients: Array<{ gateway: 'onecard' | 'zhixiao'; client: CliClient }> = [];
  if (process.env[CAMPUS_PAY_ENV.onecard.gatewayUrl])
    clients.push({ gateway: 'onecard', client: (await oneCardFromEnv(noTokenCache, shared)).client });
  if (process.env[CAMPUS_PAY_ENV.zhixiao.baseUrl])
    clients.push({ gateway: 'zhixiao', client: zhixiaoFromEnv(shared) });
  if (clients.length === 0)
    throw new ConfigurationError(
      `${CAMPUS_PAY_ENV.onecard.gatewayUrl} or ${CAMPUS_PAY_ENV.zhixiao.baseUrl}`,
      'is not set (environment or .env): no gateway is configured',
    );
  return clients;
}

let warned = false;
/** A cache that cannot be written costs the next run a fetch, not this run its answer. */
function warnOnce(err: Error): void {
  if (warned) return;
  warned = true;
  const why = (err as NodeJS.ErrnoException).code ?? err.message;
  process.stderr.write(
    `campus-pay: the token cache is not written (${why}); the next run will fetch again\n`,
  );
}

/**
 * Without a usable cached token, a fetch less than 2 minutes after the last one (made or refused by any
 * run) can only be refused: say so without sending it, so this run does not extend the refusal.
 */
async function refuseIfPaused(cache: FileTokenStore, key: string): Promise<void> {
  const until = await cache.fetchPausedUntil(key);
  if (until === undefined) return;
  throw new GatewayError({
    level: 'business',
    code: TOKEN_FETCH_LIMIT,
    info: ONECARD_BUSINESS_CODES[TOKEN_FETCH_LIMIT],
    message: `token fetches are paused: a token was fetched (or a fetch refused) less than 2 minutes ago and no valid token is cached, so a fetch now would be refused with ${TOKEN_FETCH_LIMIT} (access_token调用次数超限); not sent. ${tooOftenAdvice(until, '令牌获取已暂停：不到 2 分钟前获取过（或被拒过）令牌，缓存中没有有效令牌，现在获取只会被拒，未发送')}`,
  });
}
