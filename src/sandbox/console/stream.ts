/**
 * The console's event stream (`GET /api/events`, server-sent events): each sandbox event as it happens,
 * and the console's whole state once on connecting and again shortly after events (coalesced, so a
 * burst of calls costs one snapshot). Every message is `data: <json>` with a `type`: an event's own
 * (`call`, `notice`, `order`, `faults`) or `state` (`{ type: 'state', state }`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxEvents } from '../events.js';

/** How long the stream gathers events before it sends the state again. */
const COALESCE_MS = 100;
/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

export function serveEvents(
  _req: IncomingMessage,
  res: ServerResponse,
  events: SandboxEvents,
  snapshot: () => unknown,
) {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  const send = (message: unknown) => res.write(`data: ${JSON.stringify(message)}\n\n`);
  const sendState = () => send({ type: 'state', state: snapshot() });
  sendState();
  let pending: NodeJS.Timeout | undefined;
  const unsubscribe = events.subscribe((e) => {
    send(e);
    pending ??= setTimeout(() => {
      pending = undefined;
      sendState();
    }, COALESCE_MS);
  });
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
  res.on('close', () => {
    unsubscribe();
    clearTimeout(pending);
    clearInterval(heartbeat);
  });
}
