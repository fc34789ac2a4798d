// StoryIndex on Redis, shared by every classify worker. Keys under the given prefix:
//   <p>:lock            assignment lock (token, PX expiry, released by compare-and-delete)
//   <p>:arts            zset article id -> published ms (the window's population, for idf)
//   <p>:t:<term>        zset article id -> published ms (postings; trimmed to the window)
//   <p>:a:<id>          JSON of the indexed article, expiring when it leaves the window
//   <p>:stories         zset story id -> last seen ms (listing; trimmed after storyTtl)
//   <p>:s:<id>          hash title, first, firstSeen, lastSeen, size (story metadata, TTL)
//   <p>:s:<id>:m        zset member id -> published; <p>:s:<id>:d hash member id -> JSON
//   <p>:s:<id>:o / :t   hashes outlet -> count, topic -> count
// One lock around lookup + assignment means two workers can never both decide "new story" for
// one event. The lock is held for a few round trips; its PX expiry frees it if a worker dies.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IndexedArticle, StoryIndex, StoryIndexTxn } from './story-cluster.js';

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

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
    const token = randomBytes(12).toString('hex');
    const lock = this.k('lock');
    const deadline = Date.now() + this.o.acquireTimeoutMs;
    let wait = 2;
    while ((await this.redis.set(lock, token, 'PX', this.o.lockMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`story index lock ${lock} busy for ${this.o.acquireTimeoutMs} ms`);
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
    try {
      return await fn(this.txn);
    } finally {
      await this.redis.eval(RELEASE, 1, lock, token);
    }
  }

  private readonly txn: StoryIndexTxn = {
    get: async (id) => {
      const json = await this.redis.get(this.k('a', id));
      return json ? (JSON.parse(json) as IndexedArticle) : null;
    },
    stats: async (terms, since) => {
      const p = this.redis.pipeline();
      p.zcount(this.k('arts'), since, '+inf');
      for (const t of terms) p.zcount(this.k('t', t), since, '+inf');
      const res = (await p.exec()) ?? [];
      const num = (i: number): number => Number(res[i]?.[1] ?? 0);
      return { n: num(0), df: terms.map((_, i) => num(i + 1)) };
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
    add: async (a, since) => {
      const now = Date.now();
      // Records live until the article leaves the window (at least a minute, for late arrivals).
      const ttl = Math.max(60_000, a.published + this.o.windowMs - now);
      const sk = this.k('s', a.story);
      const m = this.redis.multi();
      m.set(this.k('a', a.id), JSON.stringify(a), 'PX', ttl);
      m.zadd(this.k('arts'), a.published, a.id);
      m.zremrangebyscore(this.k('arts'), '-inf', `(${since}`);
      for (const t of Object.keys(a.terms)) {
        const tk = this.k('t', t);
        m.zadd(tk, a.published, a.id);
        m.zremrangebyscore(tk, '-inf', `(${since}`);
        m.pexpire(tk, this.o.windowMs);
      }
      m.hsetnx(sk, 'title', a.title);
      m.hsetnx(sk, 'first', a.id);
      m.hsetnx(sk, 'firstSeen', String(a.published));
      m.hincrby(sk, 'size', 1);
      m.zadd(this.k('s', a.story, 'm'), a.published, a.id);
      m.zremrangebyrank(this.k('s', a.story, 'm'), 0, -this.o.maxMembers - 1);
      m.hset(this.k('s', a.story, 'd'), a.id, JSON.stringify({ title: a.title, source: a.source, published: a.published }));
      if (a.source) m.hincrby(this.k('s', a.story, 'o'), a.source, 1);
      for (const t of a.topics ?? []) m.hincrby(this.k('s', a.story, 't'), t, 1);
      m.zadd(this.k('stories'), 'GT', a.published, a.story);
      // Scores are published times, so trim on the same clock (replayed archives keep working).
      m.zremrangebyscore(this.k('stories'), '-inf', `(${a.published - this.o.storyTtlMs}`);
      for (const key of [sk, ...['m', 'd', 'o', 't'].map((x) => this.k('s', a.story, x))]) m.pexpire(key, this.o.storyTtlMs);
      await m.exec();
      // lastSeen only moves forward, even when an older article arrives late.
      await this.redis.eval(
        `local v = tonumber(redis.call('hget', KEYS[1], 'lastSeen') or '0') if tonumber(ARGV[1]) > v then redis.call('hset', KEYS[1], 'lastSeen', ARGV[1]) end return 1`,
        1,
        sk,
        String(a.published),
      );
    },
  };
}
