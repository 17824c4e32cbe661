/**
 * The sandbox console: the page at `/`, its event stream, and the JSON actions behind its buttons, which
 * the CLI and tests use as well:
 *
 * - `GET /api/console/state`: what the console shows (`state.ts`);
 * - `GET /api/events`: the event stream (`stream.ts`);
 * - `POST /api/orders/{onecard|zhixiao}/{ref}/{pay|fail|expire|refund}` (ref: the gateway's id or the
 *   merchant's order number);
 * - `POST /api/notices/{id}/{replay|duplicate|drop|delay}`, delay with `{"ms": n}`;
 * - `POST /api/faults` `{"kind", "count"?, "method"?, "includeToken"?}` arms a fault for the next calls
 *   (of one method); `DELETE /api/faults` clears every fault.
 *
 * Answers are JSON; a refusal is `{ "error": "…" }` with 400 (bad input), 404 (no such order or notice)
 * or 409 (not in a state that allows it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../api.js';
import type { SandboxEvents } from '../events.js';
import type { FaultControls, FaultKind, NextOptions } from '../faults.js';
import { NoticeActionError, type Notifier } from '../notifier.js';
import type { OneCardSandbox } from '../onecard/index.js';
import type { ZhixiaoSandbox } from '../zhixiao/index.js';
import { ConsoleActionError, ConsoleOrders, type OrderAction } from './orders.js';
import { consolePage } from './page.js';
import { CallLog, consoleState } from './state.js';
import { serveEvents } from './stream.js';

export { ConsoleOrders } from './orders.js';

export interface ConsoleParts {
  onecard: OneCardSandbox;
  zhixiao: ZhixiaoSandbox;
  notifier: Notifier;
  faults: FaultControls;
  events: SandboxEvents;
}

const NOTICE_STATUS = { 'no-such-notice': 404, 'bad-input': 400, 'not-waiting': 409 } as const;

type Send = (status: number, value: unknown) => void;

export class SandboxConsole {
  readonly orders: ConsoleOrders;
  readonly #calls: CallLog;

  constructor(readonly parts: ConsoleParts) {
    this.orders = new ConsoleOrders(parts.onecard, parts.zhixiao, parts.events);
    this.#calls = new CallLog(parts.events);
  }

  state() {
    return consoleState({ ...this.parts, calls: this.#calls });
  }

  /** Serves a console path; false when the path is not the console's. */
  async route(req: IncomingMessage, res: ServerResponse, pathname: string, send: Send): Promise<boolean> {
    const method = req.method ?? 'GET';
    if (pathname === '/' && method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(consolePage());
    } else if (pathname === '/api/console/state') send(200, this.state());
    else if (pathname === '/api/events') serveEvents(req, res, this.parts.events, () => this.state());
    else if (pathname === '/api/faults' && (method === 'POST' || method === 'DELETE'))
      await this.#answer(send, async () => {
        if (method === 'DELETE') this.parts.faults.clear();
        else this.#arm(await readJson(req));
        return { armed: this.parts.faults.armed(), shares: this.parts.faults.shares };
      });
    else {
      const order = /^\/api\/orders\/(onecard|zhixiao)\/([^/]+)\/([a-z]+)$/.exec(pathname);
      const notice = /^\/api\/notices\/(\d+)\/([a-z]+)$/.exec(pathname);
      if (method !== 'POST' || !(order || notice)) return false;
      await this.#answer(send, async () => {
        if (order) {
          const [, gateway, ref, action] = order as unknown as [
            string,
            'onecard' | 'zhixiao',
            string,
            OrderAction,
          ];
          return this.orders.act(gateway, decodeURIComponent(ref), action);
        }
        const [, id, action] = notice as unknown as [string, string, string];
        return this.#notice(Number(id), action, req);
      });
    }
    return true;
  }

  async #notice(id: number, action: string, req: IncomingMessage) {
    const n = this.parts.notifier;
    if (action === 'replay') return n.replay(id);
    if (action === 'duplicate') return n.duplicate(id);
    if (action === 'drop') return n.drop(id);
    if (action === 'delay') {
      const { ms } = await readJson(req);
      if (typeof ms !== 'number')
        throw new ConsoleActionError(400, 'ms: the delay in milliseconds is required');
      return n.delay(id, ms);
    }
    throw new ConsoleActionError(400, `action: "${action}" is not one of replay, duplicate, drop, delay`);
  }

  #arm(body: Record<string, unknown>) {
    const { kind, count, method, includeToken } = body;
    const typed = (field: string, v: unknown, type: string) => {
      if (v !== undefined && typeof v !== type)
        throw new ConsoleActionError(400, `${field}: must be a ${type}`);
    };
    if (typeof kind !== 'string') throw new ConsoleActionError(400, 'kind: the fault kind is required');
    typed('count', count, 'number');
    typed('method', method, 'string');
    typed('includeToken', includeToken, 'boolean');
    const options: NextOptions = {
      count: (count as number | undefined) ?? 1,
      ...(method === undefined || method === '' ? {} : { method: method as string }),
      ...(includeToken ? { includeToken: true } : {}),
    };
    this.parts.faults.next(kind as FaultKind, options);
  }

  async #answer(send: Send, act: () => Promise<unknown>) {
    try {
      send(200, await act());
    } catch (err) {
      if (err instanceof ConsoleActionError) send(err.status, { error: err.message });
      else if (err instanceof NoticeActionError) send(NOTICE_STATUS[err.reason], { error: err.message });
      // TypeError: a bad field; URIError: a malformed %-escape in the order's ref.
      else if (err instanceof TypeError || err instanceof URIError) send(400, { error: err.message });
      else throw err;
    }
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req, 1 << 16);
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  throw new ConsoleActionError(400, 'body: must be a JSON object');
}
