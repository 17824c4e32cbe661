/**
 * A Next.js App Router route handler: `app/notify/zhixiao/route.ts` (and `app/notify/onecard/route.ts`)
 * each export `POST(request: Request)`, which hands the untouched request to `webNotificationHandler`.
 * Make the clients once per process, at module scope, as below. No Next.js is needed to run this file:
 * a few lines of node:http turn each request into a web `Request`, as Next.js does.
 * Run: npx tsx examples/recipes/next-route.ts
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import {
  isMain,
  type Listening,
  listenNode,
  ONECARD_PATH,
  type RecipeOptions,
  runRecipe,
  webHandlers,
  ZHIXIAO_PATH,
} from './recipe.js';

export interface RouteModule {
  POST(request: Request): Promise<Response>;
}

/** One route module per path, as Next.js expects: `export const { POST } = routes['/notify/zhixiao']`. */
export function nextRoutes(options: RecipeOptions): Record<string, RouteModule> {
  const notices = webHandlers(options);
  return {
    [ONECARD_PATH]: {
      async POST(request: Request) {
        return notices.onecard(request);
      },
    },
    [ZHIXIAO_PATH]: {
      async POST(request: Request) {
        return notices.zhixiao(request);
      },
    },
  };
}

/** node:http → `Request` → route → `Response` → node:http: what Next.js does around a route handler. */
export function serveRoutes(routes: Record<string, RouteModule>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const route = routes[url.pathname];
    if (!route || req.method !== 'POST') {
      res.writeHead(route ? 405 : 404).end();
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers))
      for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
    const request = new Request(url, {
      method: 'POST',
      headers,
      body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    const response = await route.POST(request);
    res.statusCode = response.status;
    response.headers.forEach((value, name) => {
      res.setHeader(name, value);
    });
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

export const listenNext = (options: RecipeOptions, port = 0): Promise<Listening> =>
  listenNode(serveRoutes(nextRoutes(options)), port);

if (isMain(import.meta.url)) runRecipe('next-route', listenNext);
