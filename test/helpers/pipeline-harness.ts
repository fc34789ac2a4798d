// The pieces fault tests share: a generated corpus behind a local server, a config for
// `newsflow start` children (one per role), progress probes on the queues, and the exactly-once
// checks on JSONL and PostgreSQL. Everything talks to 127.0.0.1 only.
import { existsSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { createQueues, type QueueSet } from '../../src/queues/factory.js';
import { QUEUE_NAMES, type QueueName } from '../../src/queues/catalog.js';
import { keysFor } from '../../src/shared/keys.js';
import { buildCorpus, type Corpus, type CorpusOptions } from './corpus.js';
import { behave, startMisbehavingServer, type Handler, type MisbehavingServer } from './misbehaving-server.js';
import { startNewsflow, waitFor, writeConfig, type NewsflowProcess } from './newsflow-process.js';
import { TEST_DATABASE_URL } from './postgres.js';

export interface CorpusSite {
  corpus: Corpus;
  server: MisbehavingServer;
  feedUrls: string[];
  /** Every article id the pipeline should store. */
  ids: Set<string>;
  close(): Promise<void>;
}

/** Serve a generated corpus: `/feeds/f<n>.xml`, `/news/f<n>/<i>.html`, an allow-all robots.txt. */
export async function startCorpusSite(opts: CorpusOptions & { pageDelayMs?: number; routes?: Record<string, Handler> } = {}): Promise<CorpusSite> {
  const corpus = buildCorpus(opts);
  const server = await startMisbehavingServer({ '/robots.txt': behave.body('User-agent: *\nAllow: /\n'), ...opts.routes });
  const base = server.baseUrl;
  for (const feed of corpus.feeds) server.route(feed.path, behave.body(corpus.feedXml(feed, base), 'application/rss+xml; charset=utf-8'));
  const pages = new Map(corpus.articles.map((a) => [a.path, a.html.replaceAll('{{BASE}}', base)]));
  server.route('/news/*', async (req, res, ctx) => {
    const html = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (opts.pageDelayMs) await ctx.sleep(opts.pageDelayMs);
    if (res.destroyed) return;
    if (!html) return void res.writeHead(404).end('no such page');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  return {
    corpus,
    server,
    feedUrls: corpus.feeds.map((f) => server.url(f.path)),
    ids: new Set(corpus.articles.map((a) => corpus.idOf(a, base))),
    close: () => server.close(),
  };
}

export interface FaultConfigOptions {
  prefix: string;
  feeds: string[];
  jsonl?: string;
  postgres?: { url?: string; schema: string };
  webhook?: { url: string; secret?: string };
  /** Merged last, shallowly per top-level key. */
  extra?: Record<string, unknown>;
}

/**
 * A config for fault runs: quick takeover of a dead worker's jobs (lock 2 s, stalled check 1 s),
 * loopback allowed, politeness loose enough for a local server, one extraction thread.
 */
export function faultConfig(o: FaultConfigOptions): Record<string, unknown> {
  const sinks: Record<string, unknown> = {};
  if (o.jsonl) sinks.jsonl = { path: o.jsonl };
  if (o.postgres) sinks.postgres = { url: o.postgres.url ?? TEST_DATABASE_URL, schema: o.postgres.schema };
  if (o.webhook) sinks.webhook = { url: o.webhook.url, secret: o.webhook.secret ?? 'k', timeout: '5s' };
  const base: Record<string, unknown> = {
    redis: { prefix: o.prefix },
    feeds: o.feeds.map((url, i) => ({ url, name: `Feed ${i}` })),
    network: { allow: ['127.0.0.1'], timeout: '5s' },
    fetch: { concurrency: 4, perHost: { concurrency: 8, minInterval: '40ms' } },
    extract: { threads: 1, concurrency: 2 },
    classify: { concurrency: 2 },
    sinks,
    queues: { lockDuration: '2s', stalledInterval: '1s' },
  };
  return { ...base, ...o.extra };
}

export const WORKER_ROLES = ['fetch', 'extract', 'classify', 'store'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** One `newsflow start --workers <role>` child per role, each restartable. */
export class RoleProcesses {
  readonly procs = new Map<string, NewsflowProcess>();
  private readonly logs: string[] = [];
  constructor(
    private readonly configFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(role: string): NewsflowProcess {
    const p = startNewsflow({ config: this.configFile, workers: role, env: this.env });
    this.procs.set(role, p);
    return p;
  }

  startAll(roles: readonly string[] = WORKER_ROLES): void {
    for (const r of roles) this.start(r);
  }

  get(role: string): NewsflowProcess {
    const p = this.procs.get(role);
    if (!p) throw new Error(`no process for ${role}`);
    return p;
  }

  async kill(role: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const p = this.get(role);
    const code = await p.kill(signal);
    this.logs.push(`--- ${role} (${signal}) ---\n${p.output()}`);
    return code;
  }

  /** Stop every child (SIGTERM, then SIGKILL after `graceMs`). */
  async stopAll(graceMs = 15_000): Promise<void> {
    await Promise.all(
      [...this.procs.entries()].map(async ([role, p]) => {
        const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
        try {
          await p.kill('SIGTERM');
        } finally {
          clearTimeout(t);
        }
        this.logs.push(`--- ${role} (stop) ---\n${p.output()}`);
      }),
    );
    this.procs.clear();
  }

  /** Children that died on their own (not killed by us). */
  crashed(): string[] {
    return [...this.procs.entries()].filter(([, p]) => p.child.exitCode !== null || p.child.signalCode !== null).map(([r]) => r);
  }

  /** Everything the children printed (for a failing test's message). */
  output(): string {
    return [...this.logs, ...[...this.procs.entries()].map(([r, p]) => `--- ${r} (running) ---\n${p.output()}`)].join('\n').slice(-20_000);
  }
}

/** Queue probes for one prefix. */
export class Probe {
  readonly queues: QueueSet;
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {
    this.queues = createQueues(redis, prefix);
  }

  async counts(queue: QueueName): Promise<Record<string, number>> {
    return this.queues.get(queue).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children');
  }

  async completed(queue: QueueName): Promise<number> {
    return (await this.counts(queue)).completed ?? 0;
  }

  async active(queue: QueueName): Promise<number> {
    return (await this.counts(queue)).active ?? 0;
  }

  /** Articles stored by `sink`, as counted by the store workers. */
  async stored(sink = 'jsonl'): Promise<number> {
    return Number((await this.redis.hget(keysFor(this.prefix).stats(), `stored:${sink}`)) ?? 0);
  }

  /** Nothing waiting, active or delayed in any queue (the feed schedulers' next ticks aside). */
  async idle(): Promise<boolean> {
    for (const q of QUEUE_NAMES) {
      const c = await this.counts(q);
      const delayed = q === 'feed' ? 0 : (c.delayed ?? 0);
      if ((c.waiting ?? 0) + (c.active ?? 0) + delayed + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0) > 0) return false;
    }
    return true;
  }

  /** Counts per queue, for failure messages. */
  async describe(): Promise<string> {
    const parts = [];
    for (const q of QUEUE_NAMES) {
      const c = await this.counts(q);
      parts.push(`${q} ${Object.entries(c).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(',') || '-'}`);
    }
    return parts.join(' | ');
  }

  async failed(): Promise<{ queue: string; id: string | undefined; name: string; reason: string; data: unknown }[]> {
    const out = [];
    for (const q of QUEUE_NAMES) {
      for (const job of await this.queues.get(q).getFailed(0, 999)) {
        out.push({ queue: q, id: job.id, name: job.name, reason: job.failedReason, data: job.data });
      }
    }
    return out;
  }

  close(): Promise<void> {
    return this.queues.close();
  }
}

export interface JsonlCheck {
  lines: number;
  ids: string[];
  /** Lines that are not a complete JSON object. */
  broken: number;
  endsWithNewline: boolean;
}

export function readJsonl(file: string): JsonlCheck {
  if (!existsSync(file)) return { lines: 0, ids: [], broken: 0, endsWithNewline: true };
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').filter(Boolean);
  const ids: string[] = [];
  let broken = 0;
  for (const line of lines) {
    try {
      const rec = JSON.parse(line) as { id?: string; text?: string; times?: Record<string, string> };
      if (!rec.id || typeof rec.text !== 'string' || !rec.times?.classified) broken++;
      else ids.push(rec.id);
    } catch {
      broken++;
    }
  }
  return { lines: lines.length, ids, broken, endsWithNewline: text === '' || text.endsWith('\n') };
}

export function jsonlLineCount(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

/** Rows and distinct ids in a schema's `articles` table. */
export async function postgresCounts(schema: string): Promise<{ n: number; d: number; ids: string[] }> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const rows = await client.query<{ id: string }>(`SELECT id FROM "${schema}".articles`);
    const ids = rows.rows.map((r) => r.id);
    return { n: ids.length, d: new Set(ids).size, ids };
  } finally {
    await client.end();
  }
}

/** Ids expected but absent, and ids present more than once. */
export function lostAndDuplicated(expected: Set<string>, got: string[]): { lost: string[]; duplicated: string[]; unexpected: string[] } {
  const seen = new Map<string, number>();
  for (const id of got) seen.set(id, (seen.get(id) ?? 0) + 1);
  return {
    lost: [...expected].filter((id) => !seen.has(id)),
    duplicated: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    unexpected: [...seen.keys()].filter((id) => !expected.has(id)),
  };
}

/** Wait until every expected article is in the JSONL file and nothing is left in any queue. */
export async function waitForAllStored(probe: Probe, jsonl: string, n: number, timeoutMs: number, what = 'every article stored and the queues drained'): Promise<void> {
  try {
    await waitFor(what, async () => jsonlLineCount(jsonl) >= n && (await probe.idle()), timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${await probe.describe()}; JSONL lines ${jsonlLineCount(jsonl)} of ${n}`);
  }
}

/** Resident set size (current and peak) of a process, in bytes, from /proc (Linux). */
export function rssOf(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

export { writeConfig, waitFor };
