/**
 * Crash point (b) of the crash matrix: a proxy in front of the sandbox that forwards every call, answers
 * every reply but a money call's, and holds that one. The gateway has booked the call; its caller never
 * hears. The parent kills the caller while its replies are held.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../src/sandbox/api.js';
import { ONECARD_GATEWAY_PATH, type Sandbox } from '../../src/sandbox/index.js';

export interface HoldingProxy {
  url: string;
  /** Resolves once `count` money replies are held. */
  whenHeld(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function holdingProxy(sb: Sandbox): Promise<HoldingProxy> {
  let held = 0;
  const waiting = new Set<{ count: number; resolve: () => void }>();

  async function forward(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const front = path === ONECARD_GATEWAY_PATH ? sb.onecardGateway.api : sb.zhixiaoGateway.api;
    const { money } = front.describe(path, new URLSearchParams(body));
    const reply = await fetch(`${sb.url}${req.url}`, {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
      body,
    });
    const bytes = Buffer.from(await reply.arrayBuffer());
    if (money) {
      held += 1;
      for (const w of waiting) if (held >= w.count) w.resolve();
      return; // held: the socket closes when its process dies
    }
    res.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'text/plain' });
    res.end(bytes);
  }

  const server = createServer((req, res) => void forward(req, res).catch(() => res.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    whenHeld(count) {
      return new Promise<void>((resolve) => {
        if (held >= count) resolve();
        else waiting.add({ count, resolve });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
