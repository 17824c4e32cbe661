/**
 * Ready-made notification endpoints, shared by both gateways. The gateway repeats a notice until it gets
 * its acknowledgement, so the acknowledgement is sent only after the user's callback has resolved; a
 * failed check or a throwing callback answers with an error status, and the gateway tries again later.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CampusPayError } from './errors.js';
import type { NotificationInput } from './notice.js';

export type { NotificationInput } from './notice.js';

export interface HandlerOptions<T> {
  /** Your processing. Resolve once the notice is stored durably; throw to make the gateway retry. */
  onNotification: (notice: T) => unknown | Promise<unknown>;
  /** Called with every refused or failed notice, for your logs. The error never carries a secret. */
  onError?: (error: unknown) => void;
}

interface Acks {
  ok: string;
  fail: string;
}

async function handle<T>(
  parse: (input: NotificationInput) => T,
  acks: Acks,
  options: HandlerOptions<T>,
  input: NotificationInput,
): Promise<{ status: number; body: string }> {
  let notice: T;
  try {
    notice = parse(input);
  } catch (err) {
    options.onError?.(err);
    return { status: err instanceof CampusPayError ? 400 : 500, body: acks.fail };
  }
  try {
    await options.onNotification(notice);
    return { status: 200, body: acks.ok };
  } catch (err) {
    options.onError?.(err);
    return { status: 500, body: acks.fail };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Picks the input from a Node request: a body a framework already read, the stream, or the query string. */
async function nodeInput(req: IncomingMessage & { body?: unknown }): Promise<NotificationInput> {
  if (req.method === 'GET' || req.method === 'HEAD') return new URL(req.url ?? '/', 'http://x').searchParams;
  const parsed = req.body;
  if (typeof parsed === 'string' || parsed instanceof Uint8Array) return parsed;
  if (parsed && typeof parsed === 'object' && Object.keys(parsed).length > 0)
    return parsed as Record<string, unknown>;
  return readBody(req);
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
export type WebHandler = (request: Request) => Promise<Response>;

export function makeNodeHandler<T>(
  parse: (input: NotificationInput) => T,
  acks: Acks,
  options: HandlerOptions<T>,
): NodeHandler {
  return async (req, res) => {
    let result: { status: number; body: string };
    try {
      result = await handle(parse, acks, options, await nodeInput(req));
    } catch (err) {
      options.onError?.(err);
      result = { status: 500, body: acks.fail };
    }
    res.statusCode = result.status;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(result.body);
  };
}

export function makeWebHandler<T>(
  parse: (input: NotificationInput) => T,
  acks: Acks,
  options: HandlerOptions<T>,
): WebHandler {
  return async (request) => {
    const input: NotificationInput =
      request.method === 'GET' ? new URL(request.url).searchParams : Buffer.from(await request.arrayBuffer());
    const result = await handle(parse, acks, options, input);
    return new Response(result.body, {
      status: result.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  };
}
