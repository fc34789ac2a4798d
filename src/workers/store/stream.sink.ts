// Redis stream sink: XADD each article to a stream (approximate MAXLEN bounds it). A Lua script
// checks the "done" set, adds the entry and marks it in one atomic step, so a replay, or two
// workers racing on the same article, never add a second entry (a changed version of the article,
// see content-version.ts, is a new entry). The done sets are per discovery day (a retry or replay
// carries the same discovery time), each expiring 30 days after its last mark: bounded, where one
// set refreshed on every write would grow for as long as the pipeline runs.
import type { Redis } from 'ioredis';
import type { StoredArticle } from '../../shared/types.js';
import type { Sink } from '../context.js';
import { contentVersion } from './content-version.js';

export interface StreamSinkOptions {
  redis: Redis;
  stream: string;
  maxLen: number;
  /** Key prefix of the per-day sets of versions already added. */
  doneKey: string;
}

const DONE_TTL_SECONDS = 30 * 24 * 3600;

const ADD_ONCE = `
if redis.call('SISMEMBER', KEYS[2], ARGV[6]) == 1 then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'id', ARGV[1], 'story', ARGV[2], 'article', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

export function createStreamSink(opts: StreamSinkOptions): Sink {
  return {
    name: 'stream',
    async write(article: StoredArticle) {
      await opts.redis.eval(
        ADD_ONCE,
        2,
        opts.stream,
        `${opts.doneKey}:${(article.times.discovered || new Date().toISOString()).slice(0, 10)}`,
        article.id,
        article.story,
        JSON.stringify(article),
        String(opts.maxLen),
        String(DONE_TTL_SECONDS),
        contentVersion(article),
      );
    },
    async close() {},
  };
}
