import { after, before } from 'node:test';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './env.js';
import { startNode, TcpProxy, type Combo, type Isolation, type Node } from './harness.js';

/**
 * One node for the suite this is called in, reaching its PostgreSQL and Redis through proxies the
 * tests cut, black-hole and heal to play an outage without touching the shared servers. For the
 * combination with both; started before the suite's tests, closed after.
 */
export function suiteProxiedNode(combo: Combo): {
  readonly url: string;
  readonly pg: TcpProxy;
  readonly redis: TcpProxy;
} {
  const pg = TcpProxy.forUrl(TEST_DATABASE_URL || 'postgres://127.0.0.1:5432', 5432);
  const redis = TcpProxy.forUrl(TEST_REDIS_URL || 'redis://127.0.0.1:6379', 6379);
  let iso: Isolation | undefined;
  let node: Node | undefined;
  before(async () => {
    iso = combo.isolate();
    await pg.start();
    await redis.start();
    node = await startNode({
      ...iso.env,
      DATABASE_URL: pg.urlFor(iso.env.DATABASE_URL as string),
      REDIS_URL: redis.urlFor(iso.env.REDIS_URL as string),
    });
  });
  after(async () => {
    await node?.close();
    await pg.stop();
    await redis.stop();
    await iso?.cleanup();
  });
  return {
    pg,
    redis,
    get url() {
      return (node as Node).url;
    },
  };
}
