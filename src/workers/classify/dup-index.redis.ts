// The near-duplicate index on Redis, shared by every classify worker. Keys under the prefix:
//   <p>:lock              lookup + insert lock (token, PX expiry, compare-and-delete release)
//   <p>:r:<id>            the article's signature (260 bytes) and its root id; expires when the
//                         article leaves the window
//   <p>:b:<day>:<shard>   LSH buckets of the articles indexed that day: hash of band key (last
//                         5 hex digits) -> ids, space-separated, newest 8 kept. 4,096 shards a
//                         day keep each hash small enough for Redis's compact encoding at ~10,000
//                         articles a day; a day's buckets expire when the day leaves the window.
// One lock around lookup and insert: two copies of a new text, classified at once by two
// workers, cannot both find nothing and both become the original.
import type { Redis } from 'ioredis';
import { withRedisLock } from './redis-lock.js';
import type { DupIndex, DupIndexTxn, IndexedSignature } from './dup-index.js';
import { decodeSignature, encodeSignature, SIGNATURE_BYTES } from './near-dup.js';

export interface RedisDupIndexOptions {
  /** How long an article can be matched after it was indexed (the story window). */
  windowMs: number;
  lockMs?: number;
  acquireTimeoutMs?: number;
}

const DAY_MS = 86_400_000;
const BUCKET_IDS = 8;

// Every bucket a signature falls in, over the window's days, read in one call (a pipeline of
// 64 bands x 4 days cost more client time than the rest of the check). KEYS: bucket hashes;
// ARGV: the field in each. Returns the ids found, each once.
const LOOKUP = `
local seen, out = {}, {}
for i, key in ipairs(KEYS) do
  local v = redis.call('hget', key, ARGV[i])
  if v then
    for id in string.gmatch(v, '%S+') do
      if not seen[id] then seen[id] = true; out[#out + 1] = id end
    end
  end
end
return out`;

// Indexes one article in one call. KEYS: 1 its record, then today's bucket hashes. ARGV: 1 record
// value, 2 record TTL ms, 3 id, 4 ids kept per bucket, 5 bucket expiry (unix ms), then the field
// in each bucket hash.
const ADD = `
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
local id, keep = ARGV[3], tonumber(ARGV[4])
for i = 2, #KEYS do
  local field = ARGV[4 + i]
  local ids = {}
  local v = redis.call('hget', KEYS[i], field)
  if v then for x in string.gmatch(v, '%S+') do if x ~= id then ids[#ids + 1] = x end end end
  ids[#ids + 1] = id
  local from = math.max(1, #ids - keep + 1)
  redis.call('hset', KEYS[i], field, table.concat(ids, ' ', from, #ids))
  redis.call('pexpireat', KEYS[i], ARGV[5])
end
return 1`;

export class RedisDupIndex implements DupIndex {
  private readonly o: Required<RedisDupIndexOptions>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: RedisDupIndexOptions,
  ) {
    this.o = { lockMs: 10_000, acquireTimeoutMs: 30_000, ...opts };
  }

  private k(...parts: (string | number)[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** The bucket hash and field of band key `key` on `day`. */
  private bucket(day: number, key: string): [string, string] {
    return [this.k('b', day, key.slice(0, 3)), key.slice(3)];
  }

  /** Days whose buckets can still hold an article inside the window. */
  private days(now: number): number[] {
    const first = Math.floor((now - this.o.windowMs) / DAY_MS);
    const last = Math.floor(now / DAY_MS);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }

  async transaction<T>(fn: (tx: DupIndexTxn) => Promise<T>): Promise<T> {
    return withRedisLock(this.redis, this.k('lock'), { lockMs: this.o.lockMs, acquireTimeoutMs: this.o.acquireTimeoutMs, what: 'near-duplicate index' }, () => fn(this.txn(Date.now())));
  }


  private txn(now: number): DupIndexTxn {
    const today = Math.floor(now / DAY_MS);
    const record = (id: string, buf: Buffer | null): IndexedSignature | null => {
      if (!buf) return null;
      const sig = decodeSignature(buf);
      return sig ? { id, root: buf.subarray(SIGNATURE_BYTES).toString('utf8') || id, sig } : null;
    };
    return {
      get: async (id) => record(id, await this.redis.getBuffer(this.k('r', id))),
      candidates: async (bands) => {
        const keys: string[] = [];
        const fields: string[] = [];
        for (const day of this.days(now)) {
          for (const key of bands) {
            const [hash, field] = this.bucket(day, key);
            keys.push(hash);
            fields.push(field);
          }
        }
        const ids = (await this.redis.eval(LOOKUP, keys.length, ...keys, ...fields)) as string[];
        if (!ids.length) return [];
        const bufs = await this.redis.mgetBuffer(...ids.map((id) => this.k('r', id)));
        return ids.map((id, i) => record(id, bufs[i] ?? null)).filter((r): r is IndexedSignature => r !== null);
      },
      add: async (rec, bands) => {
        const buckets = bands.map((key) => this.bucket(today, key));
        const value = Buffer.concat([encodeSignature(rec.sig), Buffer.from(rec.root === rec.id ? '' : rec.root, 'utf8')]);
        await this.redis.eval(
          ADD,
          1 + buckets.length,
          this.k('r', rec.id),
          ...buckets.map(([hash]) => hash),
          value,
          this.o.windowMs,
          rec.id,
          BUCKET_IDS,
          (today + 1) * DAY_MS + this.o.windowMs,
          ...buckets.map(([, field]) => field),
        );
      },
    };
  }
}
