// robots.txt for article pages: fetched once per host, across processes (a short Redis lock
// decides who fetches; the others come back when it is done), cached in Redis for a day as parsed
// rules, and applied before each page download. Its Crawl-delay becomes the host's spacing in the
// host gate, for feed polls and pages alike.
//
// Answers (RFC 9309 §2.3.1): 2xx → the rules; 4xx → everything allowed; 5xx or unreachable →
// nothing allowed for now, which here means "retry later" rather than a permanent refusal.
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.js';
import { PermanentError, RetryableError, errorMessage } from '../../shared/errors.js';
import { DEFAULT_USER_AGENT } from '../../shared/http.js';
import type { Keys } from '../../shared/keys.js';
import { ALLOW_ALL, crawlDelay, isAllowed, parseRobots, productToken, type RobotsRules } from './robots.js';
import { fetchWithConfig } from './fetch-options.js';
import { HostBusy, hostOf, type HostGate } from './host-gate.js';

const RULES_TTL_S = 24 * 3600;
/** An unreachable robots.txt is asked again after this. */
const UNAVAILABLE_TTL_S = 10 * 60;
/** A Crawl-delay above this is read as this: the host asks for less than a page a minute. */
const MAX_CRAWL_DELAY_MS = 60_000;

type Cached = { rules: RobotsRules } | { unavailable: string };

export interface RobotsDeps {
  config: Config;
  redis: Redis;
  keys: Keys;
  gate: HostGate;
}

function userAgent(config: Config): string {
  return config.network.userAgent ?? DEFAULT_USER_AGENT;
}

async function fetchRules(deps: RobotsDeps, origin: string): Promise<Cached> {
  try {
    const res = await fetchWithConfig(deps.config, `${origin}/robots.txt`, { accept: 'text/plain,*/*;q=0.5' });
    return { rules: res.text === undefined ? ALLOW_ALL : parseRobots(res.text) };
  } catch (err) {
    // 4xx (no robots.txt, forbidden) and other permanent answers: no restrictions.
    if (err instanceof PermanentError) return { rules: ALLOW_ALL };
    return { unavailable: errorMessage(err) };
  }
}

/** The cached rules of the host of `url`, fetching them (in the caller's host slot) when absent. */
export async function robotsRulesFor(deps: RobotsDeps, url: string): Promise<RobotsRules> {
  const host = hostOf(url);
  const key = deps.keys.robots(host);
  let cached: Cached | null = null;
  const raw = await deps.redis.get(key);
  if (raw) cached = JSON.parse(raw) as Cached;
  if (!cached) {
    const lock = deps.keys.robotsLock(host);
    const got = await deps.redis.set(lock, '1', 'PX', deps.config.network.timeout + 5_000, 'NX');
    if (!got) throw new HostBusy(host, 1_000, 'robots.txt being fetched by another job');
    try {
      cached = await fetchRules(deps, new URL(url).origin);
      await deps.redis.set(key, JSON.stringify(cached), 'EX', 'rules' in cached ? RULES_TTL_S : UNAVAILABLE_TTL_S);
      if ('rules' in cached) {
        const delay = crawlDelay(cached.rules, userAgent(deps.config));
        if (delay !== null && delay > 0) {
          await deps.gate.setCrawlDelay(host, Math.min(delay * 1000, MAX_CRAWL_DELAY_MS), RULES_TTL_S * 1000);
        }
      }
    } finally {
      await deps.redis.del(lock);
    }
  }
  if ('unavailable' in cached) {
    throw new RetryableError('robots_unavailable', `robots.txt of ${host} could not be read (${cached.unavailable}); not fetching ${url} until it can`);
  }
  return cached.rules;
}

/** Throws PermanentError('robots_disallowed') when the host's robots.txt forbids `url` to us. */
export async function assertRobotsAllow(deps: RobotsDeps, url: string): Promise<void> {
  const rules = await robotsRulesFor(deps, url);
  const ua = userAgent(deps.config);
  if (!isAllowed(rules, ua, url)) {
    const u = new URL(url);
    throw new PermanentError(
      'robots_disallowed',
      `robots.txt of ${u.host} disallows ${u.pathname}${u.search} for "${productToken(ua)}" (set fetch.robots: false to ignore robots.txt)`,
    );
  }
}
