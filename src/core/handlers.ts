/**
 * Ready-made notification endpoints, shared by both gateways. The gateway repeats a notice until it gets
 * its acknowledgement, so the acknowledgement is sent only after the user's callback has resolved; a
 * failed check or a throwing callback answers with an error status, and the gateway tries again later.
 * Every request gets an answer, and nothing a request does can crash the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CampusPayError, ValidationError } from './errors.js';
import type { NotificationInput } from './notice.js';

export type { NotificationInput } from './notice.js';

export interface HandlerOptions<T> {
  /** Your processing. Resolve once the notice is stored durably; throw to make the gateway retry. */
  onNotification: (notice: T) => unknown | Promise<unknown>;
  /** Called with every refused or failed notice, for your logs. The error never carries a secret. A throw here is ignored. */
  onError?: (error: unknown) => void;
  /** Largest body read, in bytes (default 1 MiB); a larger one is answered 413 without being kept. */
  maxBodyBytes?: number;
}

interface Acks {
  ok: string;
  fail: string;
}

interface Answer {
  status: number;
  body: string;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/** A refusal the handler answers itself, before parsing (too large, already consumed). */
class Refused extends CampusPayError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('validation', message);
  }
}

function report(options: HandlerOptions<unknown>, err: unknown) {
  try {
    options.onError?.(err);
  } catch {
    // onError is for logging; its own failure must not change the answer or crash the process.
  }
}

async function handle<T>(
  parse: (input: NotificationInput) => T,
  acks: Acks,
  options: HandlerOptions<T>,
  read: () => Promise<NotificationInput>,
): Promise<Answer> {
  let notice: T;
  try {
    notice = parse(await read());
  } catch (err) {
    report(options as HandlerOptions<unknown>, err);
    const status = err instanceof Refused ? err.status : err instanceof CampusPayError ? 400 : 500;
    return { status, body: acks.fail };
  }
  try {
    await options.onNotification(notice);
    return { status: 200, body: acks.ok };
  } catch (err) {
    report(options as HandlerOptions<unknown>, err);
    return { status: 500, body: acks.fail };
  }
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length']);
    if (declared > max) return reject(tooLarge(max));
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume(); // drain without keeping: memory stays flat
        reject(tooLarge(max));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const tooLarge = (max: number) =>
  new Refused(413, `notification: the body is larger than maxBodyBytes (${max})`);

const CONSUMED =
  'notification: the request body was already read by a body parser and nothing usable was left; mount the handler with the raw body (express.raw({ type: "*/*" }), or before any body parser), or pass the raw body to parseNotification';

/** Picks the input from a Node request: a body a framework already read, the stream, or the query string. */
async function nodeInput(req: IncomingMessage & { body?: unknown; rawBody?: unknown }, max: number) {
  if (req.method === 'GET' || req.method === 'HEAD') return new URL(req.url ?? '/', 'http://x').searchParams;
  for (const parsed of [req.rawBody, req.body]) {
    if (typeof parsed === 'string' || parsed instanceof Uint8Array) {
      if (Buffer.byteLength(parsed) > max) throw tooLarge(max);
      if (parsed.length > 0) return parsed;
    }
  }
  const parsed = req.body;
  if (
    parsed &&
    typeof parsed === 'object' &&
    !(parsed instanceof Uint8Array) &&
    Object.keys(parsed).length > 0
  )
    return parsed as Record<string, unknown>;
  // A parser consumed the stream (express.json() with {}, urlencoded with "&", koa-bodyparser): reading it
  // again would wait forever. (`req.complete` only says the body has arrived — it is still unread when an
  // async middleware ran first — so it is no sign of a parser.)
  if (req.readableEnded || parsed !== undefined) throw new Refused(400, CONSUMED);
  return readBody(req, max);
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
export type WebHandler = (request: Request) => Promise<Response>;

export function makeNodeHandler<T>(
  parse: (input: NotificationInput) => T,
  acks: Acks,
  options: HandlerOptions<T>,
): NodeHandler {
  checkHandlerOptions(options);
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return async (req, res) => {
    let result: Answer;
    try {
      result = await handle(parse, acks, options, () => nodeInput(req, max));
    } catch (err) {
      report(options as HandlerOptions<unknown>, err);
      result = { status: 500, body: acks.fail };
    }
    try {
      if (res.headersSent || res.writableEnded) return;
      res.statusCode = result.status;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      if (result.status === 413) res.setHeader('Connection', 'close');
      res.end(result.body);
    } catch (err) {
      report(options as HandlerOptions<unknown>, err);
    }
  };
}

export function makeWebHandler<T>(
  parse: (input: NotificationInput) => T,
  acks: Acks,
  options: HandlerOptions<T>,
): WebHandler {
  checkHandlerOptions(options);
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return async (request) => {
    const read = async (): Promise<NotificationInput> => {
      if (request.method === 'GET') return new URL(request.url).searchParams;
      if (request.bodyUsed) throw new Refused(400, CONSUMED);
      if (Number(request.headers.get('content-length')) > max) throw tooLarge(max);
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = request.body?.getReader();
      for (;;) {
        const part = reader ? await reader.read() : { done: true as const, value: undefined };
        if (part.done) break;
        size += part.value.length;
        if (size > max) {
          await reader?.cancel();
          throw tooLarge(max);
        }
        chunks.push(part.value);
      }
      return Buffer.concat(chunks);
    };
    let result: Answer;
    try {
      result = await handle(parse, acks, options, read);
    } catch (err) {
      report(options as HandlerOptions<unknown>, err);
      result = { status: 500, body: acks.fail };
    }
    return new Response(result.body, {
      status: result.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  };
}

/** A handler's options are checked when it is made, not on the first notice. */
function checkHandlerOptions<T>(options: HandlerOptions<T>) {
  if (typeof options?.onNotification !== 'function')
    throw new ValidationError('notificationHandler', 'request', [
      { path: 'onNotification', message: 'must be a function' },
    ]);
  const max = options.maxBodyBytes;
  if (max !== undefined && !(Number.isSafeInteger(max) && max > 0))
    throw new ValidationError('notificationHandler', 'request', [
      { path: 'maxBodyBytes', message: 'must be a positive integer number of bytes' },
    ]);
}
