/**
 * Koa with @koa/bodyparser mounted app-wide: the parser reads the notice's form body and keeps it on
 * `ctx.request` (`rawBody`, `body`), not on Node's `ctx.req`, so the handler is given `ctx.request`.
 * Given `ctx.req` it would find the stream already read and answer 400 with a message saying so.
 * Run: npx tsx examples/recipes/koa.ts
 */
import { bodyParser } from '@koa/bodyparser';
import type { NodeHandler } from 'campus-pay';
import Koa from 'koa';
import {
  isMain,
  listenNode,
  nodeHandlers,
  ONECARD_PATH,
  type RecipeOptions,
  runRecipe,
  ZHIXIAO_PATH,
} from './recipe.js';

export function koaApp(options: RecipeOptions): Koa {
  const notices = nodeHandlers(options);
  const routes: Record<string, NodeHandler> = {
    [ONECARD_PATH]: notices.onecard,
    [ZHIXIAO_PATH]: notices.zhixiao,
  };
  const app = new Koa();
  app.use(bodyParser());
  app.use(async (ctx, next) => {
    const handler = ctx.method === 'POST' ? routes[ctx.path] : undefined;
    if (!handler) return next();
    ctx.respond = false; // the handler writes the gateway's acknowledgement itself
    await handler(ctx.request, ctx.res);
  });
  return app;
}

export const listenKoa = (options: RecipeOptions, port = 0) => listenNode(koaApp(options).callback(), port);

if (isMain(import.meta.url)) runRecipe('koa', listenKoa);
