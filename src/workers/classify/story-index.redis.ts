// StoryIndex on Redis, shared by every classify worker. Keys under the given prefix:
//   <p>:lock            assignment lock (token, PX expiry, released by compare-and-delete)
//   <p>:arts            zset article id -> published ms (the window's population, for idf)
//   <p>:t:<term>        zset article id -> published ms (postings; trimmed to the window)
//   <p>:a:<id>          JSON of the indexed article, expiring when it leaves the window
//   <p>:stories         zset story id -> last seen ms (listing; trimmed after storyTtl)
//   <p>:s:<id>          hash title, first, firstSeen, lastSeen, size, copies (story metadata, TTL);
//                       firstSeen/lastSeen: earliest/latest published ms of its articles
//   <p>:s:<id>:m        zset member id -> published; <p>:s:<id>:d hash member id -> JSON
//   <p>:s:<id>:o / :t   hashes outlet -> count, topic -> count
// One lock around lookup + assignment means two workers can never both decide "new story" for
// one event. The lock is held for a few round trips; its PX expiry frees it if a worker dies.
import type { Redis } from 'ioredis';
import { withRedisLock } from './redis-lock.js';
import type { IndexedArticle, StoryIndex, StoryIndexTxn, StorySpan } from './story-cluster.js';

export interface RedisStoryIndexOptions {
  /** Lock expiry: longer than any assignment takes (default 10 s). */
  lockMs?: number;
  /** Give up acquiring the lock after this long (default 30 s); the job is retried. */
  acquireTimeoutMs?: number;
  /** Keep story metadata this long after its last article (default 7 days). */
  storyTtlMs?: number;
  /** Article window; postings and article records expire after it (default 72 h). */
  windowMs?: number;
  /** Member details kept per story (default 500, newest). */
  maxMembers?: number;
}


// df per term in one call: KEYS = arts, then one postings key per term; ARGV[1] = since.
const STATS = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('zcount', key, ARGV[1], '+inf') end
return out`;

// Indexes one article in one call (a MULTI of three commands per term cost more CPU, client and
// server, than the clustering itself). KEYS: 1 article record, 2 arts, 3 story hash, 4 members,
// 5 member details, 6 outlets, 7 topics, 8 stories, 9.. one postings key per term.
// ARGV: json, ttl, id, published, since, window, title, storyTtl, maxMembers, details, source,
// story id, topic count, topics..., then the time the listing is trimmed from, then '1' for a copy.
// \`since\` and the listing's trim time never run ahead of the clock: one page dated tomorrow
// must not trim away today's articles and stories.
const ADD = `
local id, published, since = ARGV[3], ARGV[4], '(' .. ARGV[5]
local window, storyTtl, maxMembers = ARGV[6], ARGV[8], tonumber(ARGV[9])
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('zadd', KEYS[2], published, id)
redis.call('zremrangebyscore', KEYS[2], '-inf', since)
for i = 9, #KEYS do
  redis.call('zadd', KEYS[i], published, id)
  redis.call('zremrangebyscore', KEYS[i], '-inf', since)
  redis.call('pexpire', KEYS[i], window)
end
redis.call('hsetnx', KEYS[3], 'title', ARGV[7])
redis.call('hsetnx', KEYS[3], 'first', id)
redis.call('hincrby', KEYS[3], 'size', 1)
-- The story's span: firstSeen only moves back, lastSeen only forward, whatever the arrival order.
local firstSeen = redis.call('hget', KEYS[3], 'firstSeen')
if not firstSeen or tonumber(published) < tonumber(firstSeen) then redis.call('hset', KEYS[3], 'firstSeen', published) end
if tonumber(published) > tonumber(redis.call('hget', KEYS[3], 'lastSeen') or '0') then
  redis.call('hset', KEYS[3], 'lastSeen', published)
end
redis.call('zadd', KEYS[4], published, id)
redis.call('hset', KEYS[5], id, ARGV[10])
-- Only the newest maxMembers keep their details: a story that keeps running never outgrows that.
local dropped = redis.call('zrange', KEYS[4], 0, -maxMembers - 1)
if #dropped > 0 then
  redis.call('zremrangebyrank', KEYS[4], 0, -maxMembers - 1)
  redis.call('hdel', KEYS[5], unpack(dropped))
end
if ARGV[11] ~= '' then redis.call('hincrby', KEYS[6], ARGV[11], 1) end
for i = 1, tonumber(ARGV[13]) do redis.call('hincrby', KEYS[7], ARGV[13 + i], 1) end
redis.call('zadd', KEYS[8], 'GT', published, ARGV[12])
-- Scores are published times, so trim on the same clock (replayed archives keep working).
local trimAt = tonumber(ARGV[14 + tonumber(ARGV[13])])
-- Copies of another member's text, counted for listings ("3 copies").
if ARGV[15 + tonumber(ARGV[13])] == '1' then redis.call('hincrby', KEYS[3], 'copies', 1) end
redis.call('zremrangebyscore', KEYS[8], '-inf', '(' .. string.format('%.0f', trimAt - tonumber(storyTtl)))
for i = 3, 7 do redis.call('pexpire', KEYS[i], storyTtl) end
return 1`;


export class RedisStoryIndex implements StoryIndex {
  private readonly o: Required<RedisStoryIndexOptions>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: RedisStoryIndexOptions = {},
  ) {
    this.o = {
      lockMs: 10_000,
      acquireTimeoutMs: 30_000,
      storyTtlMs: 7 * 86_400_000,
      windowMs: 72 * 3_600_000,
      maxMembers: 500,
      ...opts,
    };
  }

  private k(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async transaction<T>(fn: (tx: StoryIndexTxn) => Promise<T>): Promise<T> {
    return withRedisLock(this.redis, this.k('lock'), { lockMs: this.o.lockMs, acquireTimeoutMs: this.o.acquireTimeoutMs, what: 'story index' }, () => fn(this.txn));
  }


  private readonly txn: StoryIndexTxn = {
    get: async (id) => {
      const json = await this.redis.get(this.k('a', id));
      return json ? (JSON.parse(json) as IndexedArticle) : null;
    },
    stats: async (terms, since) => {
      const keys = [this.k('arts'), ...terms.map((t) => this.k('t', t))];
      const counts = (await this.redis.eval(STATS, keys.length, ...keys, since)) as number[];
      return { n: counts[0] ?? 0, df: terms.map((_, i) => counts[i + 1] ?? 0) };
    },
    candidates: async (terms, since, limit) => {
      const p = this.redis.pipeline();
      for (const t of terms) p.zrevrangebyscore(this.k('t', t), '+inf', since, 'LIMIT', 0, limit);
      const res = (await p.exec()) ?? [];
      const ids = new Set<string>();
      for (const [err, list] of res) if (!err) for (const id of list as string[]) ids.add(id);
      if (ids.size === 0) return [];
      const jsons = await this.redis.mget(...[...ids].map((id) => this.k('a', id)));
      return jsons.filter((j): j is string => j !== null).map((j) => JSON.parse(j) as IndexedArticle);
    },
    spans: async (stories) => {
      const p = this.redis.pipeline();
      for (const id of stories) p.hmget(this.k('s', id), 'firstSeen', 'lastSeen');
      const res = (await p.exec()) ?? [];
      const out = new Map<string, StorySpan>();
      res.forEach(([err, v], i) => {
        const [first, last] = (v ?? []) as (string | null)[];
        if (!err && first && last) out.set(stories[i]!, { start: Number(first), end: Number(last) });
      });
      return out;
    },
    add: async (a, since) => {
      // Records live until the article leaves the window: at least a minute, for late arrivals,
      // and at most two windows (never under a minute), whatever time the article claims.
      const now = Date.now();
      const ttl = Math.min(Math.max(60_000, 2 * this.o.windowMs), Math.max(60_000, a.published + this.o.windowMs - now));
      // Trimming follows the article's clock for archives replayed from the past, the wall
      // clock for anything dated ahead of it.
      const trimAt = Math.min(a.published, now);
      const story = (x: string) => this.k('s', a.story, x);
      const terms = Object.keys(a.terms);
      const topics = a.topics ?? [];
      const keys = [
        this.k('a', a.id), this.k('arts'), this.k('s', a.story), story('m'), story('d'), story('o'), story('t'), this.k('stories'),
        ...terms.map((t) => this.k('t', t)),
      ];
      await this.redis.eval(
        ADD,
        keys.length,
        ...keys,
        JSON.stringify(a), ttl, a.id, a.published, Math.min(since, trimAt - this.o.windowMs), this.o.windowMs, a.title, this.o.storyTtlMs, this.o.maxMembers,
        JSON.stringify({ title: a.title, source: a.source, published: a.published, ...(a.duplicateOf ? { duplicateOf: a.duplicateOf } : {}) }),
        a.source ?? '', a.story, topics.length, ...topics, trimAt, a.duplicateOf ? '1' : '0',
      );
    },
  };
}
