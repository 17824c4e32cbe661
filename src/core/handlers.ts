/**
 * Ready-made notification endpoints, shared by both gateways. The gateway repeats a notice until it gets
 * its acknowledgement, so the acknowledgement is sent only after the user's callback has resolved; a
 * failed check or a throwing callback answers with an error status, and the gateway tries again later.
 * Every request gets an answer, and nothing a request does can crash the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CampusPayError, ConfigurationError, ValidationError } from './errors.js';
import type { NotificationInput } from './notice.js';

export type { NotificationInput } from './notice.js';

export interface HandlerOptions<T> {
  /**
   * Your processing. Resolve once the notice is stored durably; throw to make the gateway retry. Optional
   * when the client has a `journal` or `onSettled`: a paid notice feeds them first (docs/settlement.md).
   */
  onNotification?: (notice: T) => unknown | Promise<unknown>;
  /**
   * Called with every refused or failed notice, for your logs (a StoreError when the dedupe store is down or
   * hangs). The error never carries a secret. A throw here is ignored.
   */
  onError?: (error: unknown) => void;
  /** Largest body read, in bytes (default 1 MiB); a larger one is answered 413 without being kept. */
  maxBodyBytes?: number;
}

interface Acks {
  ok: string;
  fail: string;
}

/** What an endpoint answers one request. */
export interface Answer {
  status: number;
  body: string;
}

/** One request as the endpoints see it, whatever server carried it. */
export interface NoticeRequest {
  /** The notice: the body (POST) or the query (GET), read once. */
  read(): Promise<NotificationInput>;
  /** The request's path, without its query (Express: of `req.originalUrl`). */
  path: string;
}

/**
 * A notification endpoint apart from the server that carries it: a client's handler, or a router choosing
 * one (src/core/router.ts). The Node and web handlers are each one of these behind a way to read a request.
 */
export interface Endpoint {
  answer(request: NoticeRequest): Promise<Answer>;
  /** The failure word, answered when something outside `answer` fails. */
  fail: string;
  maxBodyBytes: number;
  /** Hands an error to the user's `onError`. */
  report(err: unknown): void;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/** A refusal the handler answers itself, before parsing (too large, already consumed). */
export class Refused extends CampusPayError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('validation', message);
  }
}

export function report(options: { onError?: ((error: unknown) => void) | undefined }, err: unknown) {
  try {
    options.onError?.(err);
  } catch {
    // onError is for logging; its own failure must not change the answer or crash the process.
  }
}

/** What the client does with a verified notice before the user's callback: feed the journal, announce. */
export type Settle<T> = (notice: T) => Promise<void>;

async function handle<T>(
  parse: (input: NotificationInput) => T,
  acks: Acks,
  options: HandlerOptions<T>,
  read: () => Promise<NotificationInput>,
  settle: Settle<T> | undefined,
): Promise<Answer> {
  let notice: T;
  try {
    notice = parse(await read());
  } catch (err) {
    report(options, err);
    return { status: refusalStatus(err), body: acks.fail };
  }
  try {
    await settle?.(notice);
    await options.onNotification?.(notice);
    return { status: 200, body: acks.ok };
  } catch (err) {
    report(options, err);
    return { status: 500, body: acks.fail };
  }
}

/**
 * The status of a notice that could not be read or verified: 400 for what the request did wrong, 503 where
 * this end is not ready to verify (keys not loaded yet: a ConfigurationError), so logs and the gateway's
 * retries tell the two apart.
 */
export const refusalStatus = (err: unknown): number =>
  err instanceof Refused
    ? err.status
    : err instanceof ConfigurationError
      ? 503
      : err instanceof CampusPayError
        ? 400
        : 500;

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
  'notification: the request body was already read by a body parser and nothing usable was left; give the handler the raw body: Express: express.raw({ type: "*/*" }) on the route, or mount it before any body parser; Koa: handler(ctx.request, ctx.res) after @koa/bodyparser, with ctx.respond = false; Fastify: handler(request, reply.raw) after reply.hijack(); or pass the raw body to parseNotification';

const WEB_CONSUMED =
  'notification: the request body was already read (request.bodyUsed); give the handler the request before anything reads its body (Hono: pass c.req.raw, not after c.req.parseBody() or c.req.text()), or pass the raw body to parseNotification';

/**
 * A framework's request object wrapping Node's: Koa's `ctx.request` (`req`, and `body` / `rawBody` from
 * @koa/bodyparser) or Fastify's `request` (`raw`, and `body` from its content-type parser). Their parsers
 * keep what they read on the wrapper, not on Node's request, so the handler is given the wrapper.
 */
export interface FrameworkRequest {
  /** Koa's `ctx.request.req`. */
  req?: IncomingMessage;
  /** Fastify's `request.raw`. */
  raw?: IncomingMessage;
  body?: unknown;
  rawBody?: unknown;
}

type NodeRequest = IncomingMessage & { body?: unknown; rawBody?: unknown };

const isNodeRequest = (r: unknown): r is NodeRequest =>
  typeof (r as { on?: unknown } | null)?.on === 'function' && typeof (r as NodeRequest).method === 'string';

/** A body a framework kept: a non-empty string or bytes, or parsed fields. */
function keptBody(holder: { body?: unknown; rawBody?: unknown }, max: number): NotificationInput | undefined {
  for (const parsed of [holder.rawBody, holder.body]) {
    if (typeof parsed === 'string' || parsed instanceof Uint8Array) {
      if (Buffer.byteLength(parsed) > max) throw tooLarge(max);
      if (parsed.length > 0) return parsed;
    }
  }
  const parsed = holder.body;
  if (
    parsed &&
    typeof parsed === 'object' &&
    !(parsed instanceof Uint8Array) &&
    Object.keys(parsed).length > 0
  )
    return parsed as Record<string, unknown>;
  return undefined;
}

/** Node's request itself, or the one a framework's request wraps. */
const nodeStream = (req: NodeRequest | FrameworkRequest): NodeRequest | undefined =>
  isNodeRequest(req)
    ? req
    : isNodeRequest(req?.raw)
      ? req.raw
      : isNodeRequest(req?.req)
        ? req.req
        : undefined;

/** Picks the input from a Node request: a body a framework already read, the stream, or the query string. */
async function nodeInput(req: NodeRequest | FrameworkRequest, max: number): Promise<NotificationInput> {
  const stream = nodeStream(req);
  if (!stream)
    throw new Refused(
      500,
      'notification: the handler was given neither a Node request nor a framework request wrapping one (Koa ctx.request, Fastify request)',
    );
  if (stream.method === 'GET' || stream.method === 'HEAD')
    return new URL(stream.url ?? '/', 'http://x').searchParams;
  const kept = keptBody(req, max) ?? (stream !== req ? keptBody(stream, max) : undefined);
  if (kept !== undefined) return kept;
  // A parser consumed the stream (express.json() with {}, urlencoded with "&", @koa/bodyparser given
  // ctx.req): reading it again would wait forever. Only the stream's own state tells: a body that arrived
  // while earlier middleware awaited is `complete` yet unread, and a parser that skipped a content type
  // it does not handle may still have set `body` to {} (@koa/bodyparser does) with the stream untouched.
  if (stream.readableEnded || stream.readableDidRead) throw new Refused(400, CONSUMED);
  return readBody(stream, max);
}

/** The path a Node request was sent to: Express keeps the whole one in `originalUrl` under a mounted router. */
function nodePath(req: NodeRequest | FrameworkRequest): string {
  const stream = nodeStream(req);
  const url = (stream as { originalUrl?: unknown } | undefined)?.originalUrl;
  return pathOf(typeof url === 'string' ? url : (stream?.url ?? '/'));
}

/**
 * A request target's path as routes compare it: its URL's pathname (percent-encoded, no dot segments),
 * or the target as it came where it makes no URL (`//`), so that such a request is still answered.
 */
export function pathOf(target: string): string {
  try {
    return new URL(target, 'http://x').pathname;
  } catch {
    return target;
  }
}

/**
 * A Node endpoint: `(req, res)` with Node's request, or with a framework's request object wrapping it
 * (Koa's `ctx.request`, Fastify's `request`) so that a body its parser already read is used.
 */
export type NodeHandler = (req: IncomingMessage | FrameworkRequest, res: ServerResponse) => Promise<void>;
export type WebHandler = (request: Request) => Promise<Response>;

/** What makes a client's endpoint: its parser (which verifies), its acknowledgement words, options, settling. */
type EndpointArgs<T> = [
  parse: (input: NotificationInput) => T,
  acks: Acks,
  given: HandlerOptions<T> | undefined,
  settle?: Settle<T>,
];

/** The endpoint of one client's notices: parse (verify), settle, then the user's callback. */
export function noticeEndpoint<T>(...[parse, acks, given, settle]: EndpointArgs<T>): Endpoint {
  const options = checkHandlerOptions(given, settle);
  return {
    answer: (request) => handle(parse, acks, options, () => request.read(), settle),
    fail: acks.fail,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY,
    report: (err) => report(options, err),
  };
}

export const makeNodeHandler = <T>(...args: EndpointArgs<T>): NodeHandler =>
  nodeHandlerOf(noticeEndpoint(...args));

export const makeWebHandler = <T>(...args: EndpointArgs<T>): WebHandler =>
  webHandlerOf(noticeEndpoint(...args));

/** An endpoint as a Node `(req, res)` handler. */
export function nodeHandlerOf(endpoint: Endpoint): NodeHandler {
  const max = endpoint.maxBodyBytes;
  return async (req, res) => {
    let result: Answer;
    try {
      result = await endpoint.answer({ read: () => nodeInput(req, max), path: nodePath(req) });
    } catch (err) {
      endpoint.report(err);
      result = { status: 500, body: endpoint.fail };
    }
    try {
      if (res.headersSent || res.writableEnded) return;
      res.statusCode = result.status;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      if (result.status === 413) res.setHeader('Connection', 'close');
      res.end(result.body);
    } catch (err) {
      endpoint.report(err);
    }
  };
}

/** An endpoint as a web `Request → Response` handler. */
export function webHandlerOf(endpoint: Endpoint): WebHandler {
  const max = endpoint.maxBodyBytes;
  return async (request) => {
    const read = async (): Promise<NotificationInput> => {
      if (request.method === 'GET') return new URL(request.url).searchParams;
      if (request.bodyUsed) throw new Refused(400, WEB_CONSUMED);
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
      result = await endpoint.answer({ read, path: new URL(request.url).pathname });
    } catch (err) {
      endpoint.report(err);
      result = { status: 500, body: endpoint.fail };
    }
    return new Response(result.body, {
      status: result.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  };
}

/** A handler's options are checked when it is made, not on the first notice. */
function checkHandlerOptions<T>(given: HandlerOptions<T> | undefined, settle: Settle<T> | undefined) {
  const options = given ?? {};
  const fn = options.onNotification;
  // Without a journal or onSettled on the client, a handler with no callback would drop every notice.
  if ((fn !== undefined || !settle) && typeof fn !== 'function')
    throw new ValidationError('notificationHandler', 'request', [
      { path: 'onNotification', message: 'must be a function' },
    ]);
  const max = options.maxBodyBytes;
  if (max !== undefined && !(Number.isSafeInteger(max) && max > 0))
    throw new ValidationError('notificationHandler', 'request', [
      { path: 'maxBodyBytes', message: 'must be a positive integer number of bytes' },
    ]);
  return options;
}
