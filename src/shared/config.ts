// The one config schema. Loaded from YAML (`--config FILE` or NEWSFLOW_CONFIG, else the bundled
// default), overridden by a few environment variables, validated once at start: every problem is
// listed with its path, and the process exits 1 before touching Redis.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { watchTopicSchema } from './watch-topics.js';
import { packagePath } from './paths.js';
import { isClusterUrl, isHashTagged } from './redis.js';

/** "90s", "15m", "2h", "1d" or a number of seconds → milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value * 1000;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!m) throw new Error(`invalid duration "${value}" (use e.g. 30s, 15m, 2h, 1d)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Math.round(n * factor);
}

// Note: zod's .default() takes the OUTPUT value (milliseconds), it does not run the transform.
const duration = z.union([z.string(), z.number().positive()]).transform((v, ctx) => {
  try {
    const ms = parseDuration(v);
    if (ms > 0) return ms;
    ctx.addIssue({ code: 'custom', message: `must be longer than 0 (got "${v}")` });
    return z.NEVER;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const httpUrl = z
  .string()
  .refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), { message: 'must be an http(s) URL' });

const feedSchema = z.strictObject({
  url: httpUrl,
  name: z.string().min(1).optional(),
  interval: duration.optional(),
});

const siteRulesSchema = z.strictObject({
  drop: z.array(z.string()).default([]),
  keep: z.array(z.string()).default([]),
});

/** DOM implementations extraction can parse with (src/workers/readability/parse.ts). */
export const EXTRACT_DOMS = ['jsdom', 'linkedom'] as const;
export type ExtractDom = (typeof EXTRACT_DOMS)[number];

export const configSchema = z.strictObject({
  redis: z
    .strictObject({
      url: z.string().optional(),
      /** Key prefix for every queue and every key newsflow writes. Use `{newsflow}` on Redis Cluster. */
      prefix: z.string().min(1).default('newsflow'),
    })
    .default({ prefix: 'newsflow' }),
  feeds: z.array(feedSchema).default([]),
  fetch: z
    .strictObject({
      interval: duration.default(15 * 60_000),
      /** Items remembered per feed for dedup (newest kept). */
      rememberPerFeed: z.number().int().positive().default(5000),
      concurrency: z.number().int().positive().default(8),
      /** Bounds of the adaptive poll interval (learned from each feed's publishing rate). */
      minInterval: duration.default(5 * 60_000),
      maxInterval: duration.default(6 * 3_600_000),
      /** Longest wait between two polls of a failing feed (exponential backoff up to this). */
      maxBackoff: duration.default(24 * 3_600_000),
      /** Politeness per host, across every process: requests in flight and spacing between starts. */
      perHost: z
        .strictObject({
          concurrency: z.number().int().positive().default(2),
          minInterval: z.union([z.literal(0), duration]).default(1000),
        })
        .default({ concurrency: 2, minInterval: 1000 }),
      /** Honour robots.txt (and its Crawl-delay) for article pages. */
      robots: z.boolean().default(true),
      /** Process an already-seen item again when its content or summary changed. */
      reprocessChanged: z.boolean().default(false),
      /**
       * Backpressure: while this many fetched pages wait for extraction (their bodies parked in
       * Redis), page downloads pause, so a burst of discoveries cannot fill Redis with bodies.
       */
      maxPendingPages: z.number().int().positive().default(500),
    })
    .default({
      interval: 900_000,
      rememberPerFeed: 5000,
      concurrency: 8,
      minInterval: 300_000,
      maxInterval: 21_600_000,
      maxBackoff: 86_400_000,
      perHost: { concurrency: 2, minInterval: 1000 },
      robots: true,
      reprocessChanged: false,
      maxPendingPages: 500,
    }),
  sitemaps: z
    .strictObject({
      /** News, not the archive: an entry is taken when its publication date (or lastmod) is this recent. */
      maxAge: duration.default(2 * 86_400_000),
      /** Entries with no date at all: `new` takes those that appear after the first read of their file; `skip` never takes them. */
      undated: z.enum(['new', 'skip']).default('new'),
      /** Child sitemaps fetched per poll of an index (changed ones, newest lastmod first); the rest wait for the next poll. */
      maxChildren: z.number().int().positive().default(50),
      /** Levels of index below the sitemap polled (an index of indexes is 2). */
      maxDepth: z.number().int().min(1).max(5).default(2),
      /** Per file, uncompressed; the sitemaps.org limit is 50 MB. */
      maxBytes: z.number().int().positive().default(50 * 1024 * 1024),
      /** Entries per file; the sitemaps.org limit is 50,000. */
      maxUrls: z.number().int().positive().default(50_000),
    })
    .default({ maxAge: 2 * 86_400_000, undated: 'new', maxChildren: 50, maxDepth: 2, maxBytes: 50 * 1024 * 1024, maxUrls: 50_000 }),
  network: z
    .strictObject({
      /** Hosts, IPs or CIDRs that may be fetched although private (e.g. 127.0.0.1 for tests). */
      allow: z.array(z.string()).default([]),
      userAgent: z.string().optional(),
      timeout: duration.default(20_000),
      maxBytes: z.number().int().positive().default(10 * 1024 * 1024),
    })
    .default({ allow: [], timeout: 20_000, maxBytes: 10 * 1024 * 1024 }),
  extract: z
    .strictObject({
      /** Worker threads for extraction; 0 = one per core. */
      threads: z.number().int().min(0).default(0),
      /** The DOM pages are parsed into: jsdom, or linkedom (same output, about a third of the time per page). */
      dom: z.enum(EXTRACT_DOMS).default('jsdom'),
      timeout: duration.default(30_000),
      concurrency: z.number().int().positive().optional(),
      /** Old-generation heap cap per extraction thread (MB): one monstrous page cannot take the process down. */
      heapMb: z.number().int().min(64).default(1024),
      /** Young-generation cap per extraction thread (MB); see extract.pool.ts. */
      youngGenMb: z.number().int().min(8).default(128),
      /** Pages per extraction thread before the threads are replaced (a bound on anything a long-lived thread keeps); see extract.pool.ts. */
      recycleAfter: z.number().int().positive().default(5_000),
      /** Per-site rules, keyed by host name: CSS selectors to drop or keep. */
      sites: z.record(z.string(), siteRulesSchema).default({}),
      /** Layer 5, the boilerplate classifier: a model file (`newsflow train-boilerplate`), or `off`; unset = the shipped model. */
      model: z.string().min(1).optional(),
      /** Layer 4: learn each site's boilerplate from blocks repeated across its articles. */
      learn: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Distinct articles a block must appear in before it is dropped. */
          minArticles: z.number().int().min(2).default(3),
        })
        .default({ enabled: true, minArticles: 3 }),
    })
    .default({ threads: 0, dom: 'jsdom', timeout: 30_000, heapMb: 1024, youngGenMb: 128, recycleAfter: 5_000, sites: {}, learn: { enabled: true, minArticles: 3 } }),
  classify: z
    .strictObject({
      model: z.string().optional(),
      watchTopics: z.array(watchTopicSchema).default([]),
      concurrency: z.number().int().positive().default(4),
    })
    .default({ watchTopics: [], concurrency: 4 }),
  stories: z
    .strictObject({
      /** How far back (by published time) a new article looks for its story. */
      window: duration.default(72 * 3_600_000),
      /** Longest a story may span, earliest to latest article by published time (default: the
       *  window): a running saga becomes a series of stories instead of one that never ends. */
      maxSpan: duration.optional(),
      /** How long a story's metadata (listing, members, outlets) is kept after its last article
       *  (default 7 days, or the window when that is longer). */
      ttl: duration.optional(),
    })
    .default({ window: 72 * 3_600_000 })
    .refine((s) => s.ttl === undefined || s.ttl >= s.window, { message: 'stories.ttl must be at least stories.window', path: ['ttl'] })
    .transform((s) => ({ window: s.window, maxSpan: s.maxSpan ?? s.window, ttl: s.ttl ?? Math.max(7 * 86_400_000, s.window) })),
  duplicates: z
    .strictObject({
      /** Mark near-duplicates (the same text republished elsewhere) with duplicateOf. */
      enabled: z.boolean().default(true),
      /** Estimated containment of the shorter text's 5-word shingles in the other's at which it is a copy. */
      threshold: z.number().gt(0).max(1).default(0.6),
      /** Texts shorter than this many words are not checked. */
      minWords: z.number().int().min(10).default(50),
    })
    .default({ enabled: true, threshold: 0.6, minWords: 50 }),
  sinks: z
    .strictObject({
      jsonl: z.strictObject({ path: z.string().min(1), fsync: z.boolean().default(false) }).optional(),
      postgres: z
        .strictObject({
          /** Falls back to DATABASE_URL. */
          url: z.string().optional(),
          schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain SQL identifier').default('public'),
        })
        .optional(),
      webhook: z
        .strictObject({
          url: httpUrl,
          /** HMAC-SHA256 key for X-Newsflow-Signature; WEBHOOK_SECRET overrides. */
          secret: z.string().optional(),
          timeout: duration.default(10_000),
          headers: z.record(z.string(), z.string()).default({}),
        })
        .optional(),
      stream: z
        .strictObject({
          /** Stream key; default `<redis.prefix>:articles`. */
          key: z.string().optional(),
          maxLen: z.number().int().positive().default(100_000),
        })
        .optional(),
      /** How long the JSONL and stream sinks remember the article versions they wrote: a retry,
       *  replay or re-fetch of the same version within it writes nothing. Longer than the 14 days
       *  failed jobs are kept for, so a failed job retried by hand is covered. */
      dedupWindow: duration.default(15 * 86_400_000),
    })
    .default({ jsonl: { path: 'data/articles', fsync: false }, dedupWindow: 15 * 86_400_000 }),
  dashboard: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(3000),
      host: z.string().default('127.0.0.1'),
    })
    .default({ port: 3000, host: '127.0.0.1' }),
  /** BullMQ worker settings: how soon a job held by a dead worker is taken over by another. */
  queues: z
    .strictObject({
      lockDuration: duration.default(30_000),
      stalledInterval: duration.default(30_000),
    })
    .default({ lockDuration: 30_000, stalledInterval: 30_000 }),
});

export type Config = z.output<typeof configSchema>;
export type FeedConfig = Config['feeds'][number];
export type ConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The schema under the wrappers zod puts around it (default, optional, lazy, refine/transform pipes). */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };
  for (let i = 0; i < 20; i += 1) {
    const def = s._zod.def;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') s = def.innerType as typeof s;
    else if (def.type === 'pipe') s = def.in as typeof s;
    else if (def.type === 'lazy') s = (def.getter as () => typeof s)();
    else break;
  }
  return s;
}

/** The keys an object schema accepts, or null when `schema` is not an object. */
function objectKeys(schema: z.ZodType): string[] | null {
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : null;
}

/** Every key path the schema knows ("fetch.perHost.concurrency"); arrays and records are walked through. */
export function knownConfigPaths(schema: z.ZodType = configSchema, prefix = ''): string[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) {
    return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      return [path, ...knownConfigPaths(child, path)];
    });
  }
  if (s instanceof z.ZodArray) return knownConfigPaths(s.element as z.ZodType, prefix);
  if (s instanceof z.ZodRecord) return knownConfigPaths(s._zod.def.valueType as z.ZodType, prefix);
  return [];
}

/** The schema at a path of the raw input (array indices and record keys walked through). */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | null {
  let s: z.ZodType = schema;
  for (const part of path) {
    const u = unwrap(s);
    if (u instanceof z.ZodObject) s = (u.shape as Record<string, z.ZodType>)[String(part)] ?? null!;
    else if (u instanceof z.ZodArray) s = u.element as z.ZodType;
    else if (u instanceof z.ZodRecord) s = u._zod.def.valueType as z.ZodType;
    else return null;
    if (!s) return null;
  }
  return s;
}

/** Levenshtein distance, case-insensitive (config keys are short). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  // Optimal string alignment: a swapped pair ("dorp") costs one edit, as a typo does.
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i += 1) {
    for (let j = 1; j <= y.length; j += 1) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[x.length]![y.length]!;
}

/**
 * What an unknown key was probably meant to be: a sibling within a small edit distance
 * ("alow" → "allow"), else the same key where it belongs ("concurrency" at the top → "fetch.concurrency").
 */
export function suggestKey(unknown: string, siblings: readonly string[], parent: string, all: readonly string[] = knownConfigPaths()): string | null {
  const join = (k: string) => (parent ? `${parent}.${k}` : k);
  const budget = unknown.length <= 4 ? 1 : unknown.length <= 8 ? 2 : 3;
  let best: { key: string; d: number } | null = null;
  for (const key of siblings) {
    const d = editDistance(unknown, key);
    if (d <= budget && (!best || d < best.d)) best = { key, d };
  }
  if (best) return join(best.key);
  const elsewhere = all.filter((p) => p.split('.').pop()!.toLowerCase() === unknown.toLowerCase());
  return elsewhere.length ? elsewhere.join(' or ') : null;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]) =>
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][\w-]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`))
      .join('')
      .replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    const siblings = objectKeys(schemaAt(configSchema, issue.path) ?? configSchema) ?? [];
    const parent = at(issue.path);
    return issue.keys.map((key) => {
      const path = parent ? `${parent}.${key}` : key;
      const meant = suggestKey(key, siblings, parent);
      const known = siblings.length ? ` (known here: ${siblings.join(', ')})` : '';
      return `${path}: unknown key${meant ? `; did you mean ${meant}?` : known}`;
    });
  }
  return [`${issue.path.length ? at(issue.path) : '(root)'}: ${issue.message}`];
}

/** Validate a raw object (already parsed YAML); throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, source = 'config', env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(source, result.error.issues.flatMap(describeIssue));
  const config = result.data;
  if (env.REDIS_URL) config.redis.url = env.REDIS_URL;
  if (env.NEWSFLOW_PREFIX) config.redis.prefix = env.NEWSFLOW_PREFIX;
  if (env.DASHBOARD_PORT) {
    const port = Number(env.DASHBOARD_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(source, [`DASHBOARD_PORT: must be a port number from 0 to 65535 (got "${env.DASHBOARD_PORT}")`]);
    }
    config.dashboard.port = port;
  }
  if (env.DASHBOARD_HOST) config.dashboard.host = env.DASHBOARD_HOST;
  if (config.sinks.postgres && !config.sinks.postgres.url) {
    if (!env.DATABASE_URL) {
      throw new ConfigError(source, ['sinks.postgres.url: set it, or DATABASE_URL, to use the PostgreSQL sink']);
    }
    config.sinks.postgres.url = env.DATABASE_URL;
  }
  if (config.sinks.webhook && env.WEBHOOK_SECRET) config.sinks.webhook.secret = env.WEBHOOK_SECRET;
  if (config.redis.url && isClusterUrl(config.redis.url) && !isHashTagged(config.redis.prefix)) {
    throw new ConfigError(source, [
      `redis.prefix: "${config.redis.prefix}" must be hash-tagged on Redis Cluster, e.g. "{${config.redis.prefix}}" (or NEWSFLOW_PREFIX)`,
    ]);
  }
  return config;
}

export const DEFAULT_CONFIG_FILE = packagePath('config', 'default.yaml');

/** The file a command reads its config from: `--config`, else NEWSFLOW_CONFIG, else the bundled default. */
export function configPath(file?: string, env: NodeJS.ProcessEnv = process.env): string {
  return file || env.NEWSFLOW_CONFIG || DEFAULT_CONFIG_FILE;
}

/** Load `file` (or NEWSFLOW_CONFIG, or the bundled default) and validate it. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): Config {
  const path = configPath(file, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid YAML: ${(err as Error).message}`]);
  }
  return parseConfig(raw, path, env);
}
