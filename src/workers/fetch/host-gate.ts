// Politeness per host, shared by every process through Redis: at most `fetch.perHost.concurrency`
// requests in flight to one host, starts at least `fetch.perHost.minInterval` apart (or the
// host's robots.txt Crawl-delay, if longer), and none before a "not before" time a 429/503 with
// Retry-After set. Each request holds a lease (a token in a sorted set scored by its expiry), so
// a process that dies mid-request frees its slot when the lease runs out.
//
// A job that finds its host busy is not blocked: it goes back to the delayed set for the time the
// gate names (job.moveToDelayed + DelayedError, which BullMQ does not count as an attempt).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DelayedError } from 'bullmq';
import type { Redis } from 'ioredis';
import { RetryableError } from '../../shared/errors.js';
import type { Keys } from '../../shared/keys.js';
import type { JobContext } from '../runner.js';

/** Thrown (inside a gated call or by the gate) when a host cannot be asked now; waitMs is a hint. */
export class HostBusy extends Error {
  override readonly name = 'HostBusy';
  constructor(
    readonly host: string,
    readonly waitMs: number,
    readonly why: string,
  ) {
    super(`${host} is busy (${why}); try again in ${waitMs} ms`);
  }
}

// Redis's own clock, so that processes with skewed clocks agree on spacing and "not before".
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, spacing, leaseMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local notBefore = tonumber(redis.call('HGET', KEYS[2], 'notBefore') or '0')
if notBefore > now then return {notBefore - now, 'retry_after'} end
spacing = math.max(spacing, tonumber(redis.call('HGET', KEYS[2], 'crawlDelay') or '0'))
local last = tonumber(redis.call('HGET', KEYS[2], 'last') or '0')
if last + spacing > now then return {last + spacing - now, 'spacing'} end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  -- A lease is usually released long before it expires: look again soon.
  return {math.max(1, math.min(tonumber(first[2]) - now, math.max(spacing, 250))), 'concurrency'}
end
redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[1])
redis.call('PEXPIRE', KEYS[1], leaseMs)
redis.call('HSET', KEYS[2], 'last', now)
local keep = math.max(spacing, leaseMs) + 60000
if redis.call('PTTL', KEYS[2]) < keep then redis.call('PEXPIRE', KEYS[2], keep) end
return {0, 'granted'}
`;

const NOT_BEFORE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = now + tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'notBefore') or '0')
if at > current then redis.call('HSET', KEYS[1], 'notBefore', at) end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) + 60000 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 60000) end
return math.max(at, current)
`;

export interface HostGateOptions {
  concurrency: number;
  minIntervalMs: number;
  /** How long a lease lasts if never released (longer than any request). */
  leaseMs: number;
  /** Wait imposed after a 429/503 without Retry-After. */
  defaultRetryAfterMs?: number;
}

export interface HostGate {
  /**
   * Run `fn` holding a slot for the host of `url`. When the host is busy: inside a worker the
   * job is moved to delayed (DelayedError is thrown); elsewhere the call waits its turn.
   * A 429/503 from `fn` makes the whole host wait (Retry-After, else the default).
   */
  run<T>(url: string, ctx: Pick<JobContext, 'job' | 'token'> | undefined, fn: () => Promise<T>): Promise<T>;
  /** One try: a lease token when granted, else HostBusy is thrown. */
  acquire(url: string): Promise<{ host: string; token: string }>;
  release(lease: { host: string; token: string }): Promise<void>;
  /** No request to `host` for `ms` from now (never shortens an existing wait). */
  notBefore(host: string, ms: number): Promise<void>;
  /** Minimum spacing from robots.txt, kept for `ttlMs`. */
  setCrawlDelay(host: string, ms: number, ttlMs: number): Promise<void>;
}

/** The key of a host for politeness: host name and port, lower-cased. */
export function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

/** Longest wait a job spends in this process before the busy host is retried, outside workers. */
const MAX_INLINE_WAIT_MS = 60_000;

export function createHostGate(redis: Redis, keys: Keys, opts: HostGateOptions): HostGate {
  const defaultRetryAfter = opts.defaultRetryAfterMs ?? 60_000;

  const acquire: HostGate['acquire'] = async (url) => {
    const host = hostOf(url);
    const token = randomBytes(8).toString('hex');
    const [wait, why] = (await redis.eval(
      ACQUIRE,
      2,
      keys.hostLeases(host),
      keys.hostState(host),
      token,
      opts.concurrency,
      opts.minIntervalMs,
      opts.leaseMs,
    )) as [number, string];
    if (wait > 0) throw new HostBusy(host, wait, why);
    return { host, token };
  };

  const release: HostGate['release'] = async ({ host, token }) => {
    await redis.zrem(keys.hostLeases(host), token);
  };

  const notBefore: HostGate['notBefore'] = async (host, ms) => {
    await redis.eval(NOT_BEFORE, 1, keys.hostState(host), Math.max(1, Math.round(ms)));
  };

  const setCrawlDelay: HostGate['setCrawlDelay'] = async (host, ms, ttlMs) => {
    const key = keys.hostState(host);
    await redis.multi().hset(key, 'crawlDelay', Math.round(ms)).pexpire(key, ttlMs).exec();
  };

  const once = async <T>(url: string, fn: () => Promise<T>): Promise<T> => {
    const lease = await acquire(url);
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RetryableError && /^http_(429|503)$/.test(err.code)) {
        await notBefore(lease.host, err.retryAfterMs ?? defaultRetryAfter);
      }
      throw err;
    } finally {
      await release(lease).catch(() => {});
    }
  };

  const run: HostGate['run'] = async (url, ctx, fn) => {
    for (let inlineWaited = 0; ; ) {
      try {
        return await once(url, fn);
      } catch (err) {
        if (!(err instanceof HostBusy)) throw err;
        // A little jitter, so jobs turned away together do not all come back together.
        const wait = err.waitMs + Math.floor(Math.random() * 100);
        if (ctx?.token && ctx.job) {
          await ctx.job.moveToDelayed(Date.now() + wait, ctx.token);
          throw new DelayedError(err.message);
        }
        if (inlineWaited + wait > MAX_INLINE_WAIT_MS) {
          throw new RetryableError('host_busy', err.message, err.waitMs);
        }
        inlineWaited += wait;
        await sleep(wait);
      }
    }
  };

  return { run, acquire, release, notBefore, setCrawlDelay };
}
