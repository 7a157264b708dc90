// The yardsticks, each a bare Fastify in its own process, as the services run in theirs:
//   hello                     a hello-world (what Node and Fastify cost)
//   redis-get <redis> <key>   sends the JSON stored at <key> after one Redis GET per request (a cache read's floor)
//   proxy <upstream>          @fastify/reply-from in front of <upstream> (a proxy's floor)
// Prints {"url"} on stdout once it listens; stops on SIGTERM.
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Redis } from 'ioredis';

const [mode = 'hello', target = '', key = ''] = process.argv.slice(2);
const app = Fastify({ logger: false });
let redis: Redis | undefined;

if (mode === 'hello') {
  app.get('/', async () => ({ hello: 'world' }));
} else if (mode === 'redis-get') {
  const client = new Redis(target, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect().catch((err: Error) => {
    process.stderr.write(`redis-get yardstick: Redis at ${target} is unreachable (${err.message})\n`);
    process.exit(1);
  });
  redis = client;
  app.get('/*', async (_request, reply) => {
    const body = await client.get(key);
    if (body === null) return reply.code(404).send();
    return reply.type('application/json; charset=utf-8').send(body);
  });
} else if (mode === 'proxy') {
  await app.register(replyFrom, { base: target });
  app.all('/*', (request, reply) => {
    void reply.from(request.url);
  });
} else {
  process.stderr.write(`unknown yardstick ${mode}\n`);
  process.exit(2);
}

const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => redis?.quit());
});
