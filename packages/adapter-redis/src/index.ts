export { createRedisBuffer, type RedisBufferOptions } from './redis-buffer.js';
export { createRedisIngestQueue, type RedisIngestQueueOptions } from './redis-ingest-queue.js';
export { createRedisLeaseManager, type RedisLeaseManagerOptions } from './redis-lease-manager.js';
export { redisClientOptions } from './client-options.js';
export { toSefError } from './errors.js';
export { defaultKeyPrefix } from './keys.js';
