// Which article versions a sink has written (see content-version.ts), remembered for a retention
// period: a Redis sorted set scored by write time and trimmed on every mark, so it holds at most
// one retention's worth of versions however long the pipeline runs. A set from before this
// layout (one plain set, its TTL refreshed by every write) is still consulted until it expires.
import type { Redis } from 'ioredis';

export interface WrittenVersionsOptions {
  redis: Redis;
  /** Sorted set: version -> write time (ms). */
  key: string;
  retentionMs: number;
  /** The plain set of versions an earlier release wrote, read but never written. */
  legacyKey?: string;
}

export class WrittenVersions {
  constructor(private readonly o: WrittenVersionsOptions) {}

  async has(version: string): Promise<boolean> {
    const p = this.o.redis.pipeline().zscore(this.o.key, version);
    if (this.o.legacyKey) p.sismember(this.o.legacyKey, version);
    const res = (await p.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    return res[0]?.[1] != null || res[1]?.[1] === 1;
  }

  async mark(version: string): Promise<void> {
    const now = Date.now();
    const res = await this.o.redis
      .multi()
      .zadd(this.o.key, now, version)
      .zremrangebyscore(this.o.key, '-inf', `(${now - this.o.retentionMs}`)
      .pexpire(this.o.key, this.o.retentionMs)
      .exec();
    for (const [err] of res ?? []) if (err) throw err;
  }
}
