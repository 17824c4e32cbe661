/**
 * Fastify: its default parsers know JSON and text only, so a form-encoded notice is refused with 415
 * before any route runs. The notice routes get their own scope whose one parser keeps the body as the
 * bytes received, whatever the content type (a gateway may send none): the handler verifies exactly what
 * the gateway signed, and Fastify still applies its bodyLimit. This is sturdier than leaving the stream
 * unread for the handler (a parser that calls done() without reading): the body is read under Fastify's
 * limits and error handling, and nothing depends on Fastify never touching the stream.
 * The scope keeps your other routes' parsers (@fastify/formbody and others) as they are.
 * Run: npx tsx examples/recipes/fastify.ts
 */
import Fastify, { type FastifyInstance } from 'fastify';
import {
  isMain,
  type Listening,
  nodeHandlers,
  ONECARD_PATH,
  type RecipeOptions,
  runRecipe,
  ZHIXIAO_PATH,
} from './recipe.js';

export async function fastifyApp(options: RecipeOptions): Promise<FastifyInstance> {
  const notices = nodeHandlers(options);
  const app = Fastify();
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(ONECARD_PATH, async (request, reply) => {
      reply.hijack(); // the handler writes the gateway's acknowledgement on reply.raw itself
      await notices.onecard(request, reply.raw);
    });
    scope.post(ZHIXIAO_PATH, async (request, reply) => {
      reply.hijack();
      await notices.zhixiao(request, reply.raw);
    });
  });
  return app;
}

export async function listenFastify(options: RecipeOptions, port = 0): Promise<Listening> {
  const app = await fastifyApp(options);
  const address = await app.listen({ port, host: '127.0.0.1' });
  return { url: address, close: () => app.close() };
}

if (isMain(import.meta.url)) runRecipe('fastify', listenFastify);
