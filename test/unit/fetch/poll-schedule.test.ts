// When a feed is polled next: the adaptive interval, the server's freshness floor, jitter and
// failure backoff, plus the item triage helpers the feed worker builds on.
import { describe, expect, it } from 'vitest';
import {
  adaptiveInterval,
  dueSlack,
  failureBackoff,
  freshnessFloor,
  jitter,
  publishingGap,
} from '../../../src/workers/fetch/poll-schedule.js';
import { candidatesOf, contentHash } from '../../../src/workers/fetch/feed-dedup.js';
import { parseFeed, type FeedItem } from '../../../src/workers/fetch/feed-parse.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const now = Date.parse('2024-03-05T12:00:00Z');
const bounds = { minMs: 5 * MIN, maxMs: 6 * HOUR, fallbackMs: 15 * MIN };
const every = (gapMs: number, n: number) => Array.from({ length: n }, (_, i) => new Date(now - i * gapMs).toISOString());

describe('adaptive interval', () => {
  it('follows the publishing rate of the newest items', () => {
    expect(publishingGap(every(30 * MIN, 10), now)).toBe(30 * MIN);
    expect(adaptiveInterval(every(30 * MIN, 10), now, bounds)).toBe(30 * MIN);
  });

  it('is clamped to [minInterval, maxInterval]', () => {
    expect(adaptiveInterval(every(MIN, 50), now, bounds)).toBe(5 * MIN);
    expect(adaptiveInterval(every(3 * 24 * HOUR, 10), now, bounds)).toBe(6 * HOUR);
  });

  it('uses the newest twenty items only: a feed that sped up is polled faster', () => {
    const recent = every(10 * MIN, 20);
    const old = Array.from({ length: 30 }, (_, i) => new Date(now - 20 * 10 * MIN - i * 24 * HOUR).toISOString());
    expect(adaptiveInterval([...old, ...recent], now, bounds)).toBe(10 * MIN);
  });

  it('falls back to fetch.interval without two usable dates, and ignores far-future dates', () => {
    expect(adaptiveInterval([null, 'garbage', new Date(now).toISOString()], now, bounds)).toBe(15 * MIN);
    const future = new Date(now + 30 * 24 * HOUR).toISOString();
    expect(adaptiveInterval([future, ...every(HOUR, 5)], now, bounds)).toBe(HOUR);
  });
});

describe('freshness floor', () => {
  it('is the largest of <ttl>, max-age and Retry-After', () => {
    expect(freshnessFloor({ ttlMinutes: 60 }, now)).toBe(HOUR);
    expect(freshnessFloor({ headers: { 'cache-control': 'public, max-age=1800' } }, now)).toBe(30 * MIN);
    expect(freshnessFloor({ ttlMinutes: 10, headers: { 'cache-control': 'max-age=1800' }, retryAfterMs: 2 * HOUR }, now)).toBe(2 * HOUR);
  });

  it('subtracts Age from max-age, and reads Expires against the server Date when there is no max-age', () => {
    expect(freshnessFloor({ headers: { 'cache-control': 'max-age=600', age: '100' } }, now)).toBe(500_000);
    const headers = { date: 'Tue, 05 Mar 2024 10:00:00 GMT', expires: 'Tue, 05 Mar 2024 10:45:00 GMT' };
    expect(freshnessFloor({ headers }, now)).toBe(45 * MIN);
    expect(freshnessFloor({ headers: { ...headers, 'cache-control': 'max-age=60' } }, now)).toBe(MIN);
  });

  it('is 0 when the server says nothing, or something already past', () => {
    expect(freshnessFloor({}, now)).toBe(0);
    expect(freshnessFloor({ headers: { expires: '0' } }, now)).toBe(0);
    expect(freshnessFloor({ headers: { 'cache-control': 'no-cache' } }, now)).toBe(0);
  });
});

describe('jitter, backoff and slack', () => {
  it('jitters within ±10%', () => {
    expect(jitter(HOUR, 0.1, () => 0)).toBe(54 * MIN);
    expect(jitter(HOUR, 0.1, () => 1)).toBe(66 * MIN);
    for (let i = 0; i < 100; i++) {
      const j = jitter(HOUR);
      expect(j).toBeGreaterThanOrEqual(54 * MIN);
      expect(j).toBeLessThanOrEqual(66 * MIN);
    }
  });

  it('backs off exponentially from the interval, capped, never giving up', () => {
    const cap = 24 * HOUR;
    expect([1, 2, 3, 4].map((n) => failureBackoff(n, 15 * MIN, cap))).toEqual([15 * MIN, 30 * MIN, HOUR, 2 * HOUR]);
    expect(failureBackoff(10, 15 * MIN, cap)).toBe(cap);
    expect(failureBackoff(1000, 15 * MIN, cap)).toBe(cap);
  });

  it('lets a tick that arrives a little early still poll', () => {
    expect(dueSlack(5 * MIN)).toBe(30_000);
    expect(dueSlack(6 * HOUR)).toBe(MIN);
  });
});

describe('RSS <ttl>', () => {
  it('is read from the channel, and absent when not given', () => {
    const xml = (ttl: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${ttl}<item><link>https://x.example/1</link></item></channel></rss>`;
    expect(parseFeed(xml('<ttl>90</ttl>'), { url: 'https://x.example/feed' }).ttl).toBe(90);
    expect('ttl' in parseFeed(xml(''), { url: 'https://x.example/feed' })).toBe(false);
  });
});

describe('item candidates', () => {
  const item = (link: string, id: string | null, summary = 's'): FeedItem => ({
    title: 't', link, id, published: null, author: null, summary, content: null,
  });

  it('keys each item by canonical URL and GUID, each article once', () => {
    const c = candidatesOf([item('https://x.example/a?utm_source=rss', 'g1'), item('https://x.example/a#top', 'g2'), item('/b', null)], 'https://x.example/feed');
    expect(c.map((x) => x.members)).toEqual([['u:https://x.example/a', 'g:g1'], ['u:https://x.example/b']]);
  });

  it('hashes content and summary, not the title', () => {
    const a = item('https://x.example/a', 'g');
    expect(contentHash(a)).toBe(contentHash({ ...a, title: 'rewritten headline' } as FeedItem));
    expect(contentHash(a)).not.toBe(contentHash({ ...a, summary: 'corrected' }));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{12}$/);
  });
});
