// Boilerplate layer 4, learned per site: a block whose fingerprint recurs across several distinct
// articles of one host is that site's boilerplate ("Sign up for our briefing", a fixed author
// blurb, a standard disclaimer). State lives in Redis, shared by every extract worker:
//   <prefix>:<host>:fp    zset fingerprint -> number of distinct articles it was kept in
//   <prefix>:<host>:arts  zset article id -> time learned (each article counts once, even on retries)
// Both are bounded (the most frequent fingerprints, the latest articles) and expire when a site
// goes quiet. The first articles of a site are still cleaned by layers 1-3.
import type { Redis } from 'ioredis';

export interface SiteBoilerplateOptions {
  /** Distinct articles a block must be kept in before it counts as boilerplate (default 3). */
  minArticles?: number;
  /** Fingerprints remembered per host (default 2000, most frequent kept). */
  maxFingerprints?: number;
  /** Articles remembered per host for the once-per-article rule (default 5000). */
  maxArticles?: number;
  ttlSeconds?: number;
}

const LEARN = `
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
for i = 6, #ARGV do redis.call('ZINCRBY', KEYS[1], 1, ARGV[i]) end
local max = tonumber(ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
-- Trim in batches: above twice the cap, drop the least frequent down to the cap.
if n > 2 * max then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

export class SiteBoilerplate {
  private readonly o: Required<SiteBoilerplateOptions>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: SiteBoilerplateOptions = {},
  ) {
    this.o = { minArticles: 3, maxFingerprints: 2000, maxArticles: 5000, ttlSeconds: 30 * 86_400, ...opts };
  }

  private key(host: string, part: 'fp' | 'arts'): string {
    return `${this.prefix}:${host}:${part}`;
  }

  /** Fingerprints of blocks this host repeats across at least `minArticles` articles. */
  async known(host: string): Promise<Set<string>> {
    return new Set(await this.redis.zrangebyscore(this.key(host, 'fp'), this.o.minArticles, '+inf'));
  }

  /** Count the blocks one article kept (once per article id). Returns false when already counted. */
  async learn(host: string, articleId: string, fingerprints: readonly string[]): Promise<boolean> {
    const unique = [...new Set(fingerprints)];
    const added = await this.redis.eval(
      LEARN,
      2,
      this.key(host, 'fp'),
      this.key(host, 'arts'),
      articleId,
      String(Date.now()),
      String(this.o.maxFingerprints),
      String(this.o.maxArticles),
      String(this.o.ttlSeconds),
      ...unique,
    );
    return added === 1;
  }
}
