/**
 * The default sender: one POST through axios (the package the project's design names), on keep-alive
 * agents. axios brings what integrators expect of it: `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` (HTTPS
 * through a CONNECT tunnel), and interceptors when you pass your own instance.
 *
 * Two things are done here rather than left to axios, because money depends on them:
 * - the timeout is a deadline for the whole attempt (axios' own `timeout` is a socket idle timer, which a
 *   gateway trickling bytes keeps alive forever);
 * - the request's socket is watched, so a timeout or abort while still connecting is known to have sent
 *   nothing: the same "provably unsent" answer as the node:http sender, so the retry rules are identical.
 */
import { type Agent as HttpAgent, request as httpRequest } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import axios from 'axios';
import { keepAliveAgents, SendError, type Sender } from './http.js';

/** The part of an axios instance the SDK uses. */
export interface AxiosLike {
  request(config: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
}

type RequestFn = typeof httpRequest;

export function axiosSender(
  instance: AxiosLike | undefined,
  httpsAgent: HttpsAgent | undefined,
  maxReplyBytes: number,
  proxy?: URL | false,
): Sender {
  const http: AxiosLike = instance ?? axios.create();
  // Your own instance keeps its agents unless an httpsAgent or ca was given to the client.
  let agents: { httpAgent?: HttpAgent; httpsAgent?: HttpsAgent } = httpsAgent ? { httpsAgent } : {};
  if (!instance) {
    const shared = keepAliveAgents(httpsAgent);
    agents = { httpAgent: shared.http, httpsAgent: shared.https };
  }
  return {
    async send(url, body, { timeoutMs, signal }) {
      // undefined: axios never called our transport (an instance with its own adapter): assume it may have left.
      let connecting: boolean | undefined;
      const transport = {
        request: ((options: { protocol?: string }, cb: never) => {
          const req = (options.protocol === 'https:' ? httpsRequest : httpRequest)(options, cb);
          connecting = true;
          req.on('socket', (s: Socket) => {
            if (!s.connecting) {
              connecting = false;
              return;
            }
            s.once(options.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
              connecting = false;
            });
          });
          return req;
        }) as unknown as RequestFn,
      };
      const ours = new AbortController();
      let why: 'ETIMEDOUT' | 'ERR_CANCELED' | undefined;
      const stop = (code: 'ETIMEDOUT' | 'ERR_CANCELED') => {
        why ??= code;
        ours.abort();
      };
      const onAbort = () => stop('ERR_CANCELED');
      if (signal?.aborted) throw new SendError('ERR_CANCELED', false);
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => stop('ETIMEDOUT'), timeoutMs);
      try {
        const res = await http.request({
          method: 'POST',
          url,
          data: body,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
          responseType: 'arraybuffer',
          transformResponse: [(d: unknown) => d],
          validateStatus: () => true,
          // A redirected POST is not something a payment call should follow silently.
          maxRedirects: 0,
          maxContentLength: maxReplyBytes,
          signal: ours.signal,
          transport,
          ...(proxy === undefined ? {} : { proxy }),
          ...agents,
        });
        return {
          status: res.status,
          body: Buffer.from((res.data as ArrayBuffer | undefined) ?? new ArrayBuffer(0)),
        };
      } catch (err) {
        // Only the code is kept: an axios error's `config` holds the signed form.
        const e = err as { code?: string; message?: string; cause?: { code?: string } };
        const code = why ?? e.cause?.code ?? e.code ?? 'ECONNRESET';
        if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(String(e.message)))
          throw new SendError('E_REPLY_TOO_LARGE', true);
        const byUs = why !== undefined;
        throw new SendError(code === 'ECONNABORTED' ? 'ETIMEDOUT' : code, !(byUs && connecting === true));
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
