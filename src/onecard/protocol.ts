/** OneCard's part of the call pipeline: the token session, sealing (3DES + RSA-SHA1) and opening replies. */
import { rsaSha1Sign, rsaSha1SignAsync } from '../core/crypto.js';
import { GatewayError } from '../core/errors.js';
import type { KeyVersion } from '../core/keyring.js';
import type { MethodSpec } from '../core/method.js';
import type { Call, GatewayProtocol } from '../core/pipeline.js';
import { formatGatewayTime } from '../core/time.js';
import { TOKEN_INVALID } from './codes.js';
import { decodeReply, NO_TOKEN, requestFields, signString } from './envelope.js';
import type { OneCardKeyRing, OneCardKeySet } from './keys.js';
import type { TokenManager } from './token.js';

/**
 * What to do when the gateway answers a money call with 40017 (token invalid):
 * - `'refresh-and-throw'` (default): fetch a new token for the next call and throw the 40017
 *   GatewayError. The gateway says the call was not processed, but a 40017 reply's signature covers only
 *   `errcode40017request`, so a captured one can be replayed to make a client pay twice; the caller
 *   decides (docs/reliability.md, "40017 and replays").
 * - `'resend'`: resend once with a fresh token, as for every other call. Choose it when the gateway is
 *   reached over HTTPS or a private network, where replies cannot be injected.
 */
export type InvalidTokenPolicy = 'refresh-and-throw' | 'resend';

/**
 * One call's session: its access token, and the keys it started with, which seal the request and open
 * the reply even when a newer version is loaded meanwhile.
 */
export interface OneCardSession {
  token: string;
  keys: KeyVersion<OneCardKeySet>;
}

export interface OneCardProtocolOptions {
  gatewayUrl: string;
  appKey: string;
  keys: OneCardKeyRing;
  timeZone: string;
  offload: boolean | 'auto';
  tokens: () => TokenManager;
  moneyOnInvalidToken: InvalidTokenPolicy;
}

export function oneCardProtocol(o: OneCardProtocolOptions): GatewayProtocol<OneCardSession> {
  const offload = (busy: boolean) => (o.offload === 'auto' ? busy : o.offload);
  return {
    async begin(spec: MethodSpec, _name, bounds) {
      const keys = await o.keys.current(bounds);
      return { token: spec.kind === 'token' ? NO_TOKEN : await o.tokens().get(bounds), keys };
    },

    async seal(call: Call<OneCardSession>) {
      const { token, keys } = call.session;
      // One timestamp per request, in the sign string and the form alike (a second boundary between two
      // reads of the clock is a 40004 otherwise).
      const fields = requestFields({
        method: call.spec.wire!,
        appKey: o.appKey,
        accessToken: token,
        desKey: keys.keys.desKeys[0]!,
        payload: call.payload,
        timestamp: formatGatewayTime(new Date(), o.timeZone),
      });
      const text = signString(fields);
      const key = keys.keys.privateKey;
      const sign = offload(call.busy) ? await rsaSha1SignAsync(text, key) : rsaSha1Sign(text, key);
      return { url: o.gatewayUrl, form: { ...fields, sign } };
    },

    open(call, reply) {
      const { version, keys } = call.session.keys;
      return decodeReply(
        { desKey: keys.desKeys, platformPublicKey: keys.platformKeys },
        call.spec.wire!,
        reply.status,
        reply.body,
        {
          offload: offload(call.busy),
          secrets: [call.session.token],
          verified: o.keys.whichKey(version, keys.platformKeys?.length ?? 0, (by) => {
            call.verifiedBy = by;
          }),
        },
      );
    },

    async renew(err, call) {
      // 40017 was rejected before processing: a fresh token and one resend — except for money calls
      // under the default policy, which get the fresh token for next time and the error now.
      if (!(err instanceof GatewayError && err.level === 'system' && err.gatewayCode === TOKEN_INVALID))
        return undefined;
      if (call.spec.kind === 'token') return undefined;
      const fresh = o.tokens().invalidate(call.session.token, call.bounds);
      if (call.spec.kind === 'money' && o.moneyOnInvalidToken !== 'resend') {
        await fresh.catch(() => undefined);
        err.message +=
          ' Not resent (moneyOnInvalidToken: refresh-and-throw): the gateway reports it unprocessed, but a 40017 reply is not bound to its request. A fresh token is ready.';
        return undefined;
      }
      return { token: await fresh, keys: call.session.keys };
    },
  };
}
