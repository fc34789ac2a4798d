// Redis stream sink: XADD each article to a stream (approximate MAXLEN bounds it). A Lua script
// checks which versions were written, adds the entry and marks it in one atomic step, so a
// replay, or two workers racing on the same article, never add a second entry (a changed version
// of the article, see content-version.ts, is a new entry). Versions are remembered for the
// retention period in a sorted set scored by write time (the layout of written-versions.ts).
import type { Redis } from 'ioredis';
import type { StoredArticle } from '../../shared/types.js';
import type { Sink } from '../context.js';
import { contentVersion } from './content-version.js';

export interface StreamSinkOptions {
  redis: Redis;
  stream: string;
  maxLen: number;
  /** Sorted set of the versions written, by write time. */
  writtenKey: string;
  /** How long a written version is remembered. */
  retentionMs: number;
  /** The plain set of versions an earlier release kept, read until it expires. */
  legacyKey?: string;
}

// KEYS: stream, written, legacy. ARGV: id, story, article JSON, maxLen, version, now, retention.
const ADD_ONCE = `
if redis.call('ZSCORE', KEYS[2], ARGV[5]) or redis.call('SISMEMBER', KEYS[3], ARGV[5]) == 1 then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'id', ARGV[1], 'story', ARGV[2], 'article', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.0f', tonumber(ARGV[6]) - tonumber(ARGV[7])))
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return 1`;

export function createStreamSink(opts: StreamSinkOptions): Sink {
  return {
    name: 'stream',
    async write(article: StoredArticle) {
      await opts.redis.eval(
        ADD_ONCE,
        3,
        opts.stream,
        opts.writtenKey,
        opts.legacyKey ?? `${opts.writtenKey}:legacy`,
        article.id,
        article.story,
        JSON.stringify(article),
        String(opts.maxLen),
        contentVersion(article),
        String(Date.now()),
        String(opts.retentionMs),
      );
    },
    async close() {},
  };
}
