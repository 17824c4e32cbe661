/**
 * The opt-in sender (`httpClient: 'node'`): one POST on node:http / node:https with keep-alive agents and
 * nothing else. It spends less CPU per call than axios (docs/performance.md measures both), for services
 * where that matters; it does not read proxy variables. The default is the axios sender (axios-sender.ts).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface SendResult {
  status: number;
  body: Buffer;
}

/** A failure, with whether the request's bytes may have reached the server (false only when provably not). */
export class SendError extends Error {
  constructor(
    readonly code: string,
    readonly connected: boolean,
  ) {
    super(code);
  }
}

export interface Sender {
  send(
    url: string,
    body: string,
    opts: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<SendResult>;
}

/**
 * Keep-alive, with the SDK closing an idle socket before the server does. A server drops idle
 * connections on its own timer; a request written on one just as it closes meets a reset, and for a money
 * call a reset after the bytes left is an unknown outcome. So an idle socket is closed after 4 s (5 s is
 * the shortest idle limit common servers use: Node's and Apache's defaults), or 1 s before the server's
 * announced `Keep-Alive: timeout=` when that is sooner: Node reads that hint only for an agent that has a
 * timeout of its own. The timeout closes only idle sockets; a request in flight keeps its own deadline.
 */
export const AGENT_OPTIONS = { keepAlive: true, timeout: 4_000 } as const;

/** Keep-alive agents: a payment service sends many small requests to one host. */
export function keepAliveAgents(httpsAgent?: HttpsAgent) {
  return {
    http: new HttpAgent(AGENT_OPTIONS),
    https: httpsAgent ?? new HttpsAgent(AGENT_OPTIONS),
  };
}

export function nodeSender(httpsAgent?: HttpsAgent, maxReplyBytes = 1024 * 1024): Sender {
  const agents = keepAliveAgents(httpsAgent);
  return {
    send(url, body, { timeoutMs, signal }) {
      return new Promise((resolve, reject) => {
        const u = new URL(url);
        const secure = u.protocol === 'https:';
        // A socket still connecting proves the request has not left.
        let connecting = false;
        let settled = false;
        // Network errors are classified by their code; our own timer and an abort are not, so for those the
        // socket state tells whether the request can have left.
        const settle = () => {
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const onAbort = () => fail('ERR_CANCELED', true);
        const fail = (code: string, byUs = false) => {
          if (settled) return;
          settle();
          req.destroy();
          reject(new SendError(code, !(byUs && connecting)));
        };
        const req = (secure ? httpsRequest : httpRequest)(
          {
            hostname: u.hostname.replace(/^\[|\]$/g, ''),
            port: u.port,
            path: u.pathname + u.search,
            method: 'POST',
            agent: secure ? agents.https : agents.http,
            headers: {
              'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
              'Content-Length': Buffer.byteLength(body),
            },
          },
          (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > maxReplyBytes) {
                chunks.length = 0;
                return fail('E_REPLY_TOO_LARGE');
              }
              chunks.push(c);
            });
            res.on('end', () => {
              if (settled) return;
              settle();
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
            });
            res.on('error', () => fail('ECONNRESET'));
            res.on('aborted', () => fail('ECONNRESET'));
          },
        );
        req.on('socket', (s) => {
          if (!s.connecting) return;
          connecting = true;
          s.once(secure ? 'secureConnect' : 'connect', () => {
            connecting = false;
          });
        });
        req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'ECONNRESET'));
        const timer = setTimeout(() => fail('ETIMEDOUT', true), timeoutMs);
        if (signal) {
          if (signal.aborted) return fail('ERR_CANCELED', true);
          signal.addEventListener('abort', onAbort, { once: true });
        }
        req.end(body);
      });
    },
  };
}
