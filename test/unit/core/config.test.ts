import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_FILE, knownConfigPaths, loadConfig, parseConfig, parseDuration } from '../../../src/shared/config.js';
import { packagePath } from '../../../src/shared/paths.js';

const problemsOf = (raw: unknown): string[] => {
  try {
    parseConfig(raw, 'test', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('config', () => {
  it('parses durations in every unit', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration(30)).toBe(30_000);
    expect(() => parseDuration('soon')).toThrow(/invalid duration "soon"/);
  });

  it('fills defaults from an empty file', () => {
    const config = parseConfig({}, 'test', {});
    expect(config.redis.prefix).toBe('newsflow');
    expect(config.fetch.interval).toBe(900_000);
    expect(config.stories.window).toBe(72 * 3_600_000);
    expect(config.stories.ttl).toBe(7 * 86_400_000);
    expect(config.sinks.jsonl?.path).toBe('data/articles');
    expect(config.dashboard.port).toBe(3000);
  });

  it('parses with jsdom unless extract.dom names linkedom, and rejects any other DOM', () => {
    expect(parseConfig({}, 'test', {}).extract.dom).toBe('jsdom');
    expect(parseConfig({ extract: { dom: 'linkedom' } }, 'test', {}).extract.dom).toBe('linkedom');
    expect(() => parseConfig({ extract: { dom: 'happy-dom' } }, 'test', {})).toThrow(/extract\.dom/);
  });

  it('takes the story window and retention as durations, retention no shorter than the window', () => {
    expect(parseConfig({ stories: { window: '2m', ttl: '5m' } }, 'test', {}).stories).toEqual({ window: 120_000, maxSpan: 120_000, ttl: 300_000 });
    expect(parseConfig({ stories: { maxSpan: '1d' } }, 'test', {}).stories).toEqual({ window: 259_200_000, maxSpan: 86_400_000, ttl: 604_800_000 });
    expect(() => parseConfig({ stories: { window: '1d', ttl: '2h' } }, 'test', {})).toThrow(/stories\.ttl: stories\.ttl must be at least stories\.window/);
    expect(() => parseConfig({ stories: { maxSpan: '0s' } }, 'test', {})).toThrow(/stories\.maxSpan: must be longer than 0/);
    // A window longer than the default retention, set before the retention was a setting, still loads.
    expect(parseConfig({ stories: { window: '10d' } }, 'test', {}).stories).toEqual({ window: 864_000_000, maxSpan: 864_000_000, ttl: 864_000_000 });
  });

  it('lists every problem at once, with its path', () => {
    let error: unknown;
    try {
      parseConfig(
        { feeds: [{ url: 'ftp://example.com/feed' }, { url: 'https://ok.example/rss', interval: 'often' }], dashboard: { port: 'x' } },
        'bad.yaml',
        {},
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.some((p) => p.startsWith('feeds[0].url:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('feeds[1].interval:') && p.includes('often'))).toBe(true);
    expect(problems.some((p) => p.startsWith('dashboard.port:'))).toBe(true);
    expect((error as Error).message).toContain('bad.yaml');
  });

  it('lets the environment override Redis and the dashboard', () => {
    const config = parseConfig({}, 'test', { REDIS_URL: 'redis://elsewhere:6380', DASHBOARD_PORT: '4000' });
    expect(config.redis.url).toBe('redis://elsewhere:6380');
    expect(config.dashboard.port).toBe(4000);
  });

  it('loads YAML files and reports unreadable or invalid ones clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'feeds:\n  - url: https://example.com/rss\n    interval: 5m\n');
    expect(loadConfig(good, {}).feeds[0]).toEqual({ url: 'https://example.com/rss', interval: 300_000 });
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'feeds: [\n');
    expect(() => loadConfig(broken, {})).toThrow(/not valid YAML/);
    expect(() => loadConfig(join(dir, 'missing.yaml'), {})).toThrow(/cannot read file/);
  });

  it('ships a default config that validates and lists public feeds', () => {
    const config = loadConfig(DEFAULT_CONFIG_FILE, {});
    expect(config.feeds.length).toBeGreaterThanOrEqual(3);
    for (const feed of config.feeds) expect(feed.url).toMatch(/^https?:\/\//);
  });

  it('refuses unknown keys anywhere, naming the path and the key meant', () => {
    expect(problemsOf({ network: { alow: ['127.0.0.1'] } })).toEqual(['network.alow: unknown key; did you mean network.allow?']);
    expect(problemsOf({ fetch: { concurency: 4 } })).toEqual(['fetch.concurency: unknown key; did you mean fetch.concurrency?']);
    // Nothing close: the keys that are allowed there.
    expect(problemsOf({ bogus: 1 })).toEqual([expect.stringMatching(/^bogus: unknown key \(known here: redis, feeds, fetch, .*\bnetwork\b/)]);
    // The right key at the wrong level.
    expect(problemsOf({ allow: ['10.0.0.0/8'] })).toEqual(['allow: unknown key; did you mean network.allow?']);
    // Inside lists and per-site records, swapped letters included.
    expect(problemsOf({ feeds: [{ url: 'https://a.example/rss', intervall: '5m' }] })).toEqual(['feeds[0].intervall: unknown key; did you mean feeds[0].interval?']);
    expect(problemsOf({ extract: { sites: { 'news.example': { dorp: ['.promo'] } } } })).toEqual(['extract.sites["news.example"].dorp: unknown key; did you mean extract.sites["news.example"].drop?']);
    expect(problemsOf({ classify: { watchTopics: [{ name: 'x', any: ['a'], nto: ['b'] }] } })).toEqual(['classify.watchTopics[0].nto: unknown key; did you mean classify.watchTopics[0].not?']);
    // Several at once, with the other problems.
    expect(problemsOf({ fetch: { concurency: 4 }, dashboard: { port: 'x' }, stories: { windw: '2h' } })).toHaveLength(3);
  });

  it('documents every key in the README reference, and no key that does not exist', () => {
    const readme = readFileSync(packagePath('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('Environment:', readme.indexOf('## Configuration')));
    const documented = new Set<string>();
    for (const row of section.matchAll(/^\| ([^|]+) \|/gm)) {
      const cells = [...row[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const base = cells[0]?.replace(/\.[^.]+$/, '') ?? '';
      for (const cell of cells) documented.add((cell.startsWith('.') ? base + cell : cell).replace(/\[\]/g, '').replace(/\.<host>/g, ''));
    }
    const known = knownConfigPaths();
    const parents = new Set(known.flatMap((p) => p.split('.').slice(1).map((_, i, parts) => p.split('.').slice(0, i + 1).join('.'))));
    const leaves = known.filter((p) => !parents.has(p) && !p.startsWith('classify.watchTopics.'));
    expect([...documented].filter((k) => !known.includes(k))).toEqual([]);
    expect(leaves.filter((k) => !documented.has(k))).toEqual([]);
  });
});
