/**
 * Ready-made notification endpoints, shared by both gateways. The gateway repeats a notice until it gets
 * its acknowledgement, so the acknowledgement is sent only after the user's callback has resolved; a
 * failed check or a throwing callback answers with an error status, and the gateway tries again later.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CampusPayError, SignatureError } from './errors.js';
import { restoreBase64Fields } from './form.js';

/** What reached the endpoint: the raw body (POST) or the query string (GET), or fields a framework parsed. */
export type NotificationInput = string | Buffer | Uint8Array | URLSearchParams | Record<string, unknown>;

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

/** Turns any NotificationInput into fields: a query or form string, URLSearchParams, or already-parsed fields. */
function inputToFields(input: NotificationInput): Record<string, unknown> {
  if (input instanceof URLSearchParams) return Object.fromEntries(input);
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    return Object.fromEntries(new URLSearchParams(text.trim().replace(/^\?/, '')));
  }
  return input;
}

/**
 * The string fields of a notice, for both gateways. Refuses an object that carries none of the envelope's
 * fields (a parsed JSON payload handed over by mistake) and any non-string field; repairs base64 fields in
 * which a framework's form decoding turned `+` into spaces.
 */
export function noticeFields(
  input: NotificationInput,
  envelope: readonly string[],
  base64: readonly string[],
): Record<string, string> {
  const raw = inputToFields(input);
  if (!envelope.some((f) => f in raw)) {
    const parsedObject =
      typeof input === 'object' && !(input instanceof URLSearchParams) && !(input instanceof Uint8Array);
    if (parsedObject && Object.keys(raw).length > 0) {
      throw new SignatureError(
        'parsed_body',
        `notification: got an object without ${envelope.join('/')} — pass the raw body or query string, or the form fields, not a parsed JSON payload`,
      );
    }
    throw new SignatureError('missing_signature', `notification: none of ${envelope.join(', ')} is present`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string')
      throw new SignatureError('malformed', `notification: field ${k} is not a string`);
  }
  return restoreBase64Fields({ ...(raw as Record<string, string>) }, base64);
}
