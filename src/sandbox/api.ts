/**
 * The gateway API over HTTP: one call's way through the fault knobs (`faults.ts`) around the gateway
 * front that processes it. The same for both gateways.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxEvents, SandboxGateway } from './events.js';
import type { CallInfo, FaultControls } from './faults.js';

/** What the HTTP layer needs of a gateway front. */
export interface ApiFront {
  readonly gateway: SandboxGateway;
  readonly contentType: string;
  /** What the call is, read from its form before any check: for the fault knobs. */
  describe(path: string, form: URLSearchParams): CallInfo;
  /** Processes the call (the ledger may change); the reply is encoded when it is sent. */
  process(
    path: string,
    form: URLSearchParams,
  ): { committed: boolean; code: string; body(badSignature: boolean): string };
  /** The encoded refusal of a call turned away under load (nothing processed). */
  busy(path: string, form: URLSearchParams): string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const BAD_GATEWAY = '<html><body><h1>502 Bad Gateway</h1></body></html>';

export class ApiCalls {
  /** Gateway API calls being handled now (a `slow` one included, after its client gave up). */
  inFlight = 0;

  constructor(
    readonly faults: FaultControls,
    readonly events?: SandboxEvents,
  ) {}

  async serve(front: ApiFront, path: string, req: IncomingMessage, res: ServerResponse) {
    this.inFlight++;
    try {
      await this.#serve(front, path, req, res);
    } finally {
      this.inFlight--;
    }
  }

  /** Resolves when no gateway API call is being handled. */
  async idle() {
    while (this.inFlight > 0) await sleep(5);
  }

  async #serve(front: ApiFront, path: string, req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    const faults = this.faults;
    const call = front.describe(path, form);
    let code: string | undefined;
    const told = (status: number) =>
      this.events?.emit({
        type: 'call',
        gateway: front.gateway,
        method: call.method ?? '',
        status,
        ...(code === undefined ? {} : { code }),
        faults: call.hit ?? [],
      });
    const answer = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
      told(status);
    };
    const drop = () => {
      req.socket.destroy();
      told(0);
    };
    if (faults.busy(this.inFlight, call)) return answer(200, front.contentType, front.busy(path, form));
    const delay = faults.delayMs(call);
    if (delay) await sleep(delay);
    if (faults.roll('dropBeforeProcess', call)) return drop();
    if (faults.roll('serverError', call)) return answer(502, 'text/html', BAD_GATEWAY);
    const done = front.process(path, form);
    code = done.code;
    if (call.money && done.committed) {
      if (faults.roll('commitThenDrop', call)) return drop();
      if (faults.roll('commitThenServerError', call)) return answer(502, 'text/html', BAD_GATEWAY);
    }
    const body = done.body(faults.roll('badSignature', call));
    if (faults.roll('dropAfterProcess', call)) return drop();
    const sent = faults.roll('emptyBody', call)
      ? ''
      : faults.roll('truncated', call)
        ? body.slice(0, Math.floor(body.length / 2))
        : body;
    answer(200, front.contentType, sent);
  }
}
