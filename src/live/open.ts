import type { Config } from '../config/index.js';
import type { Logger } from '../logging/logger.js';
import type { LiveBackend } from './contract.js';
import { createMemoryBackend } from './memory/backend.js';
import { createRedisBackend } from './redis/backend.js';

/** Opens the configured live backend: Redis when `REDIS_URL` is set, else in-process. */
export async function openLive(config: Config, logger: Logger): Promise<LiveBackend> {
  if (config.redis === null) return createMemoryBackend({ logger });
  return createRedisBackend({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger });
}
