// Layer 4: boilerplate learned per site from blocks repeated across its articles, in real Redis,
// applied by the real extractor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { extractArticle } from '../../src/workers/readability/extract.js';
import { SiteBoilerplate } from '../../src/workers/readability/site-boilerplate.js';
import { learnableFingerprints, MAX_LEARNED_WORDS } from '../../src/workers/readability/readability.worker.js';
import { cleanupPrefix, randomPrefix, testRedis } from '../helpers/redis.js';

const HOUSE_LINE = 'The Valley Courier has been reporting on the river towns every morning since 1887.';

function page(n: number, extra = ''): string {
  const body = [
    `Council members in district ${n} voted on Tuesday to repair the old bridge over the river after engineers found cracks in ${n + 2} of its supports.`,
    `The repairs will cost about ${n * 3} million dollars and should take eighteen months, the council said in a statement after the meeting.`,
    `Residents of district ${n} had complained for years that heavy lorries were using the bridge despite a weight limit posted at both ends.`,
    HOUSE_LINE,
    extra,
  ].filter(Boolean);
  return `<!DOCTYPE html><html lang="en"><head><title>Bridge ${n} to be repaired</title></head><body>
<article><h1>Bridge ${n} to be repaired</h1>${body.map((p) => `<p>${p}</p>`).join('\n')}</article></body></html>`;
}

describe('per-site boilerplate learning (real Redis)', () => {
  const prefix = randomPrefix('bp');
  let redis: Redis;
  let sites: SiteBoilerplate;
  beforeAll(() => {
    redis = testRedis();
    sites = new SiteBoilerplate(redis, prefix, { minArticles: 3 });
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('drops a block the site repeats in three articles, keeps it before that and on other sites', async () => {
    const host = 'courier.example';
    const first = extractArticle(page(1), { url: `https://${host}/1` });
    expect(first.text).toContain(HOUSE_LINE); // layers 1-3 cannot know it
    for (const n of [1, 2]) {
      const a = extractArticle(page(n), { url: `https://${host}/${n}`, knownBoilerplate: await sites.known(host) });
      await sites.learn(host, `a${n}`, a.fingerprints);
      // A retried job of the same article does not count again.
      expect(await sites.learn(host, `a${n}`, a.fingerprints)).toBe(false);
    }
    expect(await sites.known(host)).toEqual(new Set());
    const third = extractArticle(page(3), { url: `https://${host}/3`, knownBoilerplate: await sites.known(host) });
    expect(third.text).toContain(HOUSE_LINE);
    await sites.learn(host, 'a3', third.fingerprints);

    const fourth = extractArticle(page(4, 'A unique closing paragraph about the ferry timetable, which changes next week.'), {
      url: `https://${host}/4`,
      knownBoilerplate: await sites.known(host),
    });
    expect(fourth.text).not.toContain(HOUSE_LINE);
    expect(fourth.text).toContain('Council members in district 4');
    expect(fourth.text).toContain('ferry timetable');
    expect(await sites.known('other.example')).toEqual(new Set());
  });

  it('never learns long paragraphs a site repeats (the background of a running story is text)', async () => {
    const background =
      'The bridge, built in 1911 from riveted steel, carried the only road between the two halves of the valley until the bypass opened, ' +
      'and it has been closed to lorries twice since engineers first reported corrosion in its supports, most recently for six weeks ' +
      'last winter, when ferries ran every twenty minutes to carry commuters and schoolchildren across the river, ' +
      'and the council paid for extra buses on the long road round through the hills.';
    expect(background.split(/\s+/).length).toBeGreaterThan(MAX_LEARNED_WORDS);
    const host = 'series.example';
    for (let n = 10; n < 15; n++) {
      const a = extractArticle(page(n, background), { url: `https://${host}/${n}` });
      await sites.learn(host, `s${n}`, learnableFingerprints(a));
    }
    const later = extractArticle(page(20, background), { url: `https://${host}/20`, knownBoilerplate: await sites.known(host) });
    expect(later.text).toContain('built in 1911');
    expect(later.text).not.toContain(HOUSE_LINE); // the short house line was learned
  });

  it('stays bounded per host', async () => {
    const small = new SiteBoilerplate(redis, prefix, { minArticles: 2, maxFingerprints: 10, maxArticles: 20 });
    for (let i = 0; i < 60; i++) await small.learn('busy.example', `id${i}`, [`fp${i}a`, `fp${i}b`, 'shared']);
    expect(await redis.zcard(`${prefix}:busy.example:fp`)).toBeLessThanOrEqual(20);
    expect(await redis.zcard(`${prefix}:busy.example:arts`)).toBe(20);
    expect(await small.known('busy.example')).toContain('shared');
  });
});
