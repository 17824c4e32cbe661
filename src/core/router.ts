/**
 * One notification endpoint for several tenants (schools, merchants): each notice goes to the handler of
 * the tenant it names, and that handler verifies it exactly as its own endpoint would. The merchant id is
 * read before verification, so it only ever chooses a handler: a forged id reaches a handler whose keys
 * refuse the notice, never another tenant's callback with the notice accepted.
 */
import { ConfigurationError, clip, ValidationError } from './errors.js';
import {
  type Answer,
  type Endpoint,
  type HandlerOptions,
  type NodeHandler,
  type NoticeRequest,
  nodeHandlerOf,
  noticeEndpoint,
  pathOf,
  refusalStatus,
  report,
  type Settle,
  type WebHandler,
  webHandlerOf,
} from './handlers.js';
import { inputToFields, type NotificationInput } from './notice.js';
import { debugLogger, type Logger } from './observe.js';

/** A route's handler options: the handler's own, less the body limit (the router reads the body). */
export type RouteOptions<T> = Omit<HandlerOptions<T>, 'maxBodyBytes'> & {
  /**
   * Take only the notices sent to this path (e.g. `/pay/notify/school-b`): how a tenant is found when its
   * notices do not name the merchant, or when two tenants share a merchant id. Compared exactly with the
   * request's path (Express: of `req.originalUrl`), without its query.
   */
  path?: string;
};

/** One tenant's notices, made by its client: `client.notificationRoute(options)`. */
export interface NotificationRoute {
  readonly gateway: string;
  /** The client's tenant (gateway URL and app key): one route per tenant. */
  readonly tenant: string;
  /** The notice's field that names the merchant: OneCard `partner` (2.2.4.4), Zhixiao `id` (2.5). */
  readonly field: string;
  /** Its value in this tenant's notices, when known. */
  readonly merchantId: string | undefined;
  readonly path: string | undefined;
}

/** What the router knows of a route and a user never sees: which gateway's notices, and its endpoint. */
interface RouteParts {
  /** A field only this gateway's notices carry: OneCard `request`, Zhixiao `param`. */
  envelope: string;
  endpoint: Endpoint;
}
const PARTS = new WeakMap<NotificationRoute, RouteParts>();

/** How a client describes its notices to the router. */
export interface RouteSpec<T> {
  gateway: string;
  tenant: string;
  field: string;
  /** The option that sets the merchant id (`partner`), or undefined when the client knows it (Zhixiao appid). */
  option?: string;
  merchantId: string | undefined;
  envelope: string;
  parse: (input: NotificationInput) => T;
  acks: { ok: string; fail: string };
  settle: Settle<T> | undefined;
}

/** A client's route; the options are checked now, as a handler's are. */
export function noticeRoute<T>(given: RouteOptions<T> | undefined, spec: RouteSpec<T>): NotificationRoute {
  const { path, ...handler } = given ?? {};
  if ('maxBodyBytes' in handler)
    throw new ConfigurationError('maxBodyBytes', "is the router's option, not a route's");
  if (path !== undefined && (typeof path !== 'string' || !/^\/[^?#\s]*$/.test(path)))
    throw new ConfigurationError('path', 'must be a path starting with / (no query, fragment or spaces)');
  // Requests are matched on their URL's pathname, percent-encoded and without dot segments: a path written
  // otherwise (`/通知`, `/a/./b`) would be accepted here and never match.
  const arrives = path === undefined ? path : pathOf(path);
  if (arrives !== path)
    throw new ConfigurationError(
      'path',
      `must be written as a request's path arrives: ${JSON.stringify(arrives)}`,
    );
  const id = spec.merchantId;
  if (id !== undefined && (typeof id !== 'string' || id === ''))
    throw new ConfigurationError(spec.option ?? spec.field, 'must be a non-empty string');
  if (id === undefined && path === undefined)
    throw new ConfigurationError(
      spec.option ?? spec.field,
      `a ${spec.gateway} route needs the ${spec.field} its notices carry, or a path`,
    );
  const route: NotificationRoute = Object.freeze({
    gateway: spec.gateway,
    tenant: spec.tenant,
    field: spec.field,
    merchantId: id,
    path,
  });
  const endpoint = noticeEndpoint(spec.parse, spec.acks, handler as HandlerOptions<T>, spec.settle);
  PARTS.set(route, { envelope: spec.envelope, endpoint });
  return route;
}

/** A notice no route takes, as logged: what it claimed, never more. */
export interface RouteLog {
  outcome: 'unrouted';
  /** The gateway the notice looks like, when it looks like one. */
  gateway?: string;
  /** The field naming the merchant, and its unverified value (clipped), when the notice carries one. */
  field?: string;
  merchantId?: string;
  path: string;
}

export interface NotificationRouterOptions {
  /** One route per tenant, each made by its client: `client.notificationRoute({ onNotification, … })`. */
  routes: readonly NotificationRoute[];
  /** Where a notice no route takes is logged (default: stderr under `DEBUG=campus-pay`), as the clients' `logger`. */
  logger?: Logger;
  /** Called with the error of every notice no route takes, or whose body could not be read. */
  onError?: (error: unknown) => void;
  /** Largest body read, in bytes (default 1 MiB); a larger one is answered 413. */
  maxBodyBytes?: number;
}

/**
 * One endpoint for the notices of several tenants, of one gateway or both. A notice goes to the route of
 * the merchant it names (OneCard `partner`, Zhixiao `id`), or, when it names none, to the route of the path
 * it was sent to; that route's handler verifies it with its client's keys and answers as it always does.
 * A notice no route takes is answered 400 with the gateway's failure word and logged; no handler runs.
 */
export class NotificationRouter {
  readonly #routes: ReadonlyArray<NotificationRoute & RouteParts>;
  readonly #logger: Logger | undefined;
  readonly #endpoint: Endpoint;

  constructor(options: NotificationRouterOptions) {
    const routes = options?.routes;
    if (!Array.isArray(routes) || routes.length === 0)
      throw new ConfigurationError(
        'routes',
        'must be a non-empty array of client.notificationRoute() results',
      );
    this.#routes = routes.map((r: NotificationRoute, i) => {
      const parts = PARTS.get(r);
      if (!parts) throw new ConfigurationError(`routes[${i}]`, 'must be made by client.notificationRoute()');
      return { ...r, ...parts };
    });
    checkRoutes(this.#routes);
    const logger = options.logger;
    if (logger !== undefined && typeof logger?.info !== 'function')
      throw new ConfigurationError('logger', 'must have an info(message, fields) method, as console does');
    this.#logger = logger ?? debugLogger();
    const max = options.maxBodyBytes ?? 1024 * 1024;
    if (!(Number.isSafeInteger(max) && max > 0))
      throw new ConfigurationError('maxBodyBytes', 'must be a positive integer number of bytes');
    const onError = options.onError;
    if (onError !== undefined && typeof onError !== 'function')
      throw new ConfigurationError('onError', 'must be a function');
    const fail = this.#routes[0]!.endpoint.fail;
    this.#endpoint = {
      answer: (request) => this.#answer(request, fail, onError),
      fail,
      maxBodyBytes: max,
      report: (err) => report({ onError }, err),
    };
  }

  /** A Node `(req, res)` endpoint for every route, as a client's `nodeNotificationHandler()`. */
  nodeNotificationHandler(): NodeHandler {
    return nodeHandlerOf(this.#endpoint);
  }

  /** A web `Request → Response` endpoint for every route, as a client's `webNotificationHandler()`. */
  webNotificationHandler(): WebHandler {
    return webHandlerOf(this.#endpoint);
  }

  async #answer(
    request: NoticeRequest,
    fail: string,
    onError: ((error: unknown) => void) | undefined,
  ): Promise<Answer> {
    let input: NotificationInput;
    let fields: Record<string, unknown>;
    try {
      input = await request.read();
      fields = inputToFields(input);
    } catch (err) {
      report({ onError }, err);
      return { status: refusalStatus(err), body: fail };
    }
    const found = pick(this.#routes, fields, request.path);
    if ('route' in found) return found.route.endpoint.answer({ read: async () => input, path: request.path });
    const { log } = found;
    try {
      this.#logger?.info(formatRouteLog(log), log);
    } catch {
      // A logger that throws changes no answer: the refusal below still reaches onError.
    }
    report(
      { onError },
      new ValidationError('notificationRouter', 'notification', [
        {
          path: log.field ?? 'path',
          message: `no route takes this notice (${log.gateway ?? 'no gateway'} ${log.field ? `${log.field} ${JSON.stringify(log.merchantId)}` : 'naming no merchant'}, path ${log.path})`,
        },
      ]),
    );
    const body = this.#routes.find((r) => r.gateway === log.gateway)?.endpoint.fail ?? fail;
    return { status: 400, body };
  }
}

type Route = NotificationRoute & RouteParts;

/**
 * The one route a notice goes to: among the routes of the gateway it looks like and of its path (or of
 * any path), the one of the merchant it names; failing that, or when it names none, the one of its path.
 */
function pick(
  routes: readonly Route[],
  fields: Record<string, unknown>,
  path: string,
): { route: Route } | { log: RouteLog } {
  const gateways = new Set(
    routes.filter((r) => typeof fields[r.envelope] === 'string').map((r) => r.gateway),
  );
  const gateway = gateways.size === 1 ? [...gateways][0] : undefined;
  const mine = routes.filter((r) => r.gateway === gateway && (r.path === undefined || r.path === path));
  const field = mine[0]?.field ?? routes.find((r) => r.gateway === gateway)?.field;
  const named = field === undefined ? undefined : fields[field];
  const id = typeof named === 'string' && named !== '' ? named : undefined;
  // Checked at construction: at most one route matches at each step.
  const chosen =
    (id !== undefined ? mine.find((r) => r.merchantId === id) : undefined) ??
    mine.find((r) => r.path === path && (id === undefined || r.merchantId === undefined));
  if (chosen) return { route: chosen };
  return {
    log: {
      outcome: 'unrouted',
      ...(gateway !== undefined ? { gateway } : {}),
      ...(id !== undefined ? { field, merchantId: clip(id, 64) } : {}),
      path: clip(path, 200),
    },
  };
}

export function formatRouteLog(l: RouteLog): string {
  return [
    'campus-pay notice',
    l.outcome,
    l.gateway ?? 'gateway=unknown',
    l.field !== undefined ? `${l.field}=${JSON.stringify(l.merchantId)}` : 'merchant=none',
    `path=${l.path}`,
  ].join(' ');
}

/** Every notice must have at most one route: refuse a tenant twice, and two routes taking the same notices. */
function checkRoutes(routes: readonly Route[]) {
  const show = (r: Route) =>
    `${r.merchantId !== undefined ? `${r.field} "${r.merchantId}"` : `any ${r.field}`} on ${r.path ?? 'any path'}`;
  routes.forEach((b, j) => {
    routes.slice(0, j).forEach((a, i) => {
      if (a.gateway === b.gateway && a.tenant === b.tenant)
        throw new ConfigurationError(
          `routes[${j}]`,
          `is the same tenant (gateway and app key ${b.tenant}) as routes[${i}]: one route per tenant`,
        );
      if (a.gateway !== b.gateway) return;
      const samePath = a.path !== undefined && a.path === b.path;
      const sameId =
        a.merchantId !== undefined &&
        a.merchantId === b.merchantId &&
        (a.path === undefined || b.path === undefined);
      if (samePath || sameId)
        throw new ConfigurationError(
          `routes[${j}]`,
          `takes the same notices as routes[${i}] (${show(b)}; ${show(a)}): give each its own path`,
        );
    });
  });
}
