import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real local HTTP server standing in for the merchant's notification endpoint. */
export async function startMerchant(
  handler: RequestListener,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
