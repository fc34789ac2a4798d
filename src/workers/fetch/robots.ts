// robots.txt per RFC 9309 (with the Crawl-delay extension): parse once, then ask whether a path
// may be fetched. Groups are chosen by the most specific user-agent match, falling back to `*`;
// within a group the longest matching rule wins and Allow wins a tie.

export interface RobotsRule {
  allow: boolean;
  /** The path pattern as written (`*` any run of characters, `$` end of URL). */
  pattern: string;
}

export interface RobotsGroup {
  /** Lower-cased product tokens from User-agent lines (`*` for everyone). */
  agents: string[];
  rules: RobotsRule[];
  /** Seconds, when the group says (non-standard but widely used). */
  crawlDelay?: number;
}

export interface RobotsRules {
  groups: RobotsGroup[];
  sitemaps: string[];
}

/** For a robots.txt that answered 4xx: everything allowed (RFC 9309 §2.3.1.3). */
export const ALLOW_ALL: RobotsRules = { groups: [], sitemaps: [] };
/** For a robots.txt that could not be read (5xx, network): nothing allowed (§2.3.1.4). */
export const DISALLOW_ALL: RobotsRules = { groups: [{ agents: ['*'], rules: [{ allow: false, pattern: '/' }] }], sitemaps: [] };

/** RFC 9309 asks crawlers to read at least 500 KiB; more than that is ignored. */
const MAX_ROBOTS_CHARS = 512 * 1024;

export function parseRobots(text: string): RobotsRules {
  const groups: RobotsGroup[] = [];
  const sitemaps: string[] = [];
  let current: RobotsGroup | null = null;
  let lastWasAgent = false;
  for (const rawLine of text.slice(0, MAX_ROBOTS_CHARS).split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z-_ ]+?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase().replace(/[\s_]/g, '-');
    const value = m[2]!.trim();
    if (key === 'user-agent' || key === 'useragent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    lastWasAgent = false;
    if (key === 'sitemap') {
      if (value) sitemaps.push(value);
      continue;
    }
    if (!current) continue; // rules before any User-agent belong to nobody
    if (key === 'allow' || key === 'disallow') {
      // An empty Disallow allows everything; it adds no rule.
      if (value) current.rules.push({ allow: key === 'allow', pattern: normalisePath(value) });
    } else if (key === 'crawl-delay') {
      const delay = Number(value);
      if (Number.isFinite(delay) && delay >= 0) current.crawlDelay = delay;
    }
  }
  return { groups, sitemaps };
}

/** The product token of a User-Agent string: `newsflow/0.1.0 (+https://…)` → `newsflow`. */
export function productToken(userAgent: string): string {
  return (/^[A-Za-z_-]+/.exec(userAgent.trim())?.[0] ?? userAgent).toLowerCase();
}

/**
 * Groups that apply to `userAgent`: every group naming its product token (RFC 9309 merges
 * them), matched case-insensitively; otherwise the `*` groups. A line written with a version
 * (`User-agent: newsflow/1.0`) still names `newsflow`.
 */
function groupsFor(rules: RobotsRules, userAgent: string): RobotsGroup[] {
  const token = productToken(userAgent);
  const named = rules.groups.filter((g) => g.agents.some((a) => a !== '*' && productToken(a) === token));
  return named.length ? named : rules.groups.filter((g) => g.agents.includes('*'));
}

/** Percent-encode what should be encoded and upper-case existing escapes, so both sides compare alike. */
function normalisePath(path: string): string {
  return path
    .replace(/%[0-9a-fA-F]{2}/g, (e) => e.toUpperCase())
    .replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
}

function toRegExp(pattern: string): RegExp {
  const anchored = pattern.endsWith('$');
  const body = (anchored ? pattern.slice(0, -1) : pattern)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`);
}

const compiled = new WeakMap<RobotsRule, RegExp>();
function matches(rule: RobotsRule, path: string): boolean {
  let re = compiled.get(rule);
  if (!re) {
    re = toRegExp(rule.pattern);
    compiled.set(rule, re);
  }
  return re.test(path);
}

/** May `userAgent` fetch `pathOrUrl` (a path with query, or a full URL)? */
export function isAllowed(rules: RobotsRules, userAgent: string, pathOrUrl: string): boolean {
  let path = pathOrUrl;
  if (/^https?:\/\//i.test(pathOrUrl)) {
    try {
      const u = new URL(pathOrUrl);
      path = u.pathname + u.search;
    } catch {
      return false;
    }
  }
  if (!path.startsWith('/')) path = `/${path}`;
  path = normalisePath(path);
  if (path === '/robots.txt') return true;
  let best: RobotsRule | null = null;
  for (const g of groupsFor(rules, userAgent)) {
    for (const r of g.rules) {
      if (!matches(r, path)) continue;
      const longer = !best || r.pattern.length > best.pattern.length;
      const tieAllow = best && r.pattern.length === best.pattern.length && r.allow && !best.allow;
      if (longer || tieAllow) best = r;
    }
  }
  return best ? best.allow : true;
}

/** Crawl-delay in seconds that applies to `userAgent`, or null when none is given. */
export function crawlDelay(rules: RobotsRules, userAgent: string): number | null {
  const delays = groupsFor(rules, userAgent)
    .map((g) => g.crawlDelay)
    .filter((d): d is number => d !== undefined);
  return delays.length ? Math.max(...delays) : null;
}
