/**
 * Hono on @hono/node-server: routes hand the web `Request` to `webNotificationHandler` and return its
 * `Response`. Do not read the body first (`c.req.parseBody()`): the handler needs it unread.
 * Run: npx tsx examples/recipes/hono.ts
 */
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import {
  isMain,
  listenNode,
  ONECARD_PATH,
  type RecipeOptions,
  runRecipe,
  webHandlers,
  ZHIXIAO_PATH,
} from './recipe.js';

export function honoApp(options: RecipeOptions): Hono {
  const notices = webHandlers(options);
  const app = new Hono();
  app.post(ONECARD_PATH, (c) => notices.onecard(c.req.raw));
  app.post(ZHIXIAO_PATH, (c) => notices.zhixiao(c.req.raw));
  return app;
}

/** `serve({ fetch: app.fetch, port })` in production; the listener form here closes cleanly in tests. */
export const listenHono = (options: RecipeOptions, port = 0) =>
  listenNode(getRequestListener(honoApp(options).fetch), port);

if (isMain(import.meta.url)) runRecipe('hono', listenHono);
