/**
 * Express: the notice routes take the raw body. `express.raw` on the route keeps the bytes the gateway
 * signed; an app-wide `express.urlencoded()` mounted earlier is fine too (the handler uses its fields).
 * Run: npx tsx examples/recipes/express.ts
 */
import express from 'express';
import {
  isMain,
  listenNode,
  nodeHandlers,
  ONECARD_PATH,
  type RecipeOptions,
  runRecipe,
  ZHIXIAO_PATH,
} from './recipe.js';

export function expressApp(options: RecipeOptions): express.Express {
  const notices = nodeHandlers(options);
  const app = express();
  app.post(ONECARD_PATH, express.raw({ type: '*/*' }), notices.onecard);
  app.post(ZHIXIAO_PATH, express.raw({ type: '*/*' }), notices.zhixiao);
  app.use(express.json()); // the rest of your app
  return app;
}

export const listenExpress = (options: RecipeOptions, port = 0) => listenNode(expressApp(options), port);

if (isMain(import.meta.url)) runRecipe('express', listenExpress);
