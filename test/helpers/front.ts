import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A gateway front on real HTTP, standing where an overloaded gateway would: each request is forwarded to
 * `upstream` (same path), unless `answer` gives a body of its own for it (a signed 40014, 系统繁忙…).
 * `most` is the largest number of requests it forwarded at once.
 */
export async function startFront(upstream: string, answer: (form: URLSearchParams) => string | undefined) {
  let inFlight = 0;
  const stats = { most: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const own = answer(new URLSearchParams(body));
    if (own !== undefined) return void res.end(own);
    inFlight++;
    stats.most = Math.max(stats.most, inFlight);
    try {
      const up = await fetch(new URL(req.url ?? '/', upstream), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
      res.end(await up.text());
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
