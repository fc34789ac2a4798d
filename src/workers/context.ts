// What handlers get from the process that runs them: config, a Redis client for state, the queues,
// and the stage resources (extraction pool, sinks) created only for the roles this process runs.
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.js';
import type { Keys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import type { QueueSet } from '../queues/factory.js';
import type { SinkName } from '../queues/catalog.js';
import type { StoredArticle } from '../shared/types.js';

export interface Sink {
  readonly name: SinkName;
  /** Write one article; must be idempotent: a replay of the same id writes nothing new. */
  write(article: StoredArticle, ctx: { replay: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface PipelineDeps {
  config: Config;
  redis: Redis;
  queues: QueueSet;
  keys: Keys;
  log: Logger;
  sinks?: Map<SinkName, Sink>;
  now?: () => Date;
}
