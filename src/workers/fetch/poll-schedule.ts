// When to poll a feed next: pure arithmetic, no I/O. The interval is learned from the feed's own
// publishing rate and clamped to [fetch.minInterval, fetch.maxInterval]; whatever the server
// says about freshness (<ttl>, Cache-Control max-age, Expires, Retry-After) is a floor the
// interval never goes under; failures back off exponentially up to fetch.maxBackoff.

export interface IntervalBounds {
  minMs: number;
  maxMs: number;
  /** Used when the feed gives fewer than two dates to learn from. */
  fallbackMs: number;
}

/** Only the newest items say how often a feed publishes now. */
const RATE_WINDOW = 20;
/** Dates further in the future than this are the feed's mistakes, not its rate. */
const FUTURE_SLACK_MS = 60 * 60_000;

/**
 * The average gap between the newest dated items (up to 20), or null with fewer than two
 * usable dates. Duplicate timestamps count: a feed that posts ten items at once publishes fast.
 */
export function publishingGap(published: readonly (string | null | undefined)[], now: number): number | null {
  const times = published
    .map((p) => (p ? Date.parse(p) : NaN))
    .filter((t) => Number.isFinite(t) && t <= now + FUTURE_SLACK_MS)
    .sort((a, b) => b - a)
    .slice(0, RATE_WINDOW);
  if (times.length < 2) return null;
  return (times[0]! - times.at(-1)!) / (times.length - 1);
}

/** The adaptive interval: one poll per item published on average, within bounds. */
export function adaptiveInterval(published: readonly (string | null | undefined)[], now: number, b: IntervalBounds): number {
  const gap = publishingGap(published, now) ?? b.fallbackMs;
  return Math.round(Math.min(b.maxMs, Math.max(b.minMs, gap)));
}

export interface FreshnessHints {
  /** RSS <ttl>, minutes. */
  ttlMinutes?: number | null;
  headers?: Record<string, string | string[] | undefined>;
  /** From a 429/503. */
  retryAfterMs?: number | null;
}

function header(headers: FreshnessHints['headers'], name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The soonest the server wants to be asked again, in ms from `now` (0 when it says nothing). */
export function freshnessFloor(h: FreshnessHints, now: number): number {
  let floor = 0;
  if (h.ttlMinutes && h.ttlMinutes > 0) floor = Math.max(floor, h.ttlMinutes * 60_000);
  const cacheControl = header(h.headers, 'cache-control') ?? '';
  const maxAge = /(?:^|[,\s])(?:s-)?max-age\s*=\s*"?(\d+)/i.exec(cacheControl);
  if (maxAge) {
    const age = Number(header(h.headers, 'age') ?? 0) || 0;
    floor = Math.max(floor, (Number(maxAge[1]) - age) * 1000);
  } else {
    // Expires counts only without max-age (RFC 9111 §5.3), measured against the server's Date.
    const expires = Date.parse(header(h.headers, 'expires') ?? '');
    const date = Date.parse(header(h.headers, 'date') ?? '');
    if (Number.isFinite(expires)) floor = Math.max(floor, expires - (Number.isFinite(date) ? date : now));
  }
  if (h.retryAfterMs && h.retryAfterMs > 0) floor = Math.max(floor, h.retryAfterMs);
  return Math.max(0, Math.round(floor));
}

/** ±`fraction` of `ms`, so feeds with one interval do not all come due in the same second. */
export function jitter(ms: number, fraction = 0.1, random: () => number = Math.random): number {
  return Math.round(ms * (1 + fraction * (2 * random() - 1)));
}

/** Wait after the n-th consecutive failure: base, 2×base, 4×base, … never more than `capMs`. */
export function failureBackoff(failures: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/**
 * A poll that comes due within this of its time still runs: scheduler ticks and job starts are a
 * little early or late, and skipping for a few seconds would cost a whole tick.
 */
export function dueSlack(tickMs: number): number {
  return Math.min(60_000, Math.round(tickMs / 10));
}
