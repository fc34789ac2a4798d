// The status page a person would rather look at than read logs: per-stage throughput and backlog,
// failing feeds with their reasons, the latest stories with their topics and outlets.
// /status serves one self-contained HTML page; it polls /status/data.json every 5 s.
import type express from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.js';
import type { Keys } from '../shared/keys.js';
import { QUEUE_NAMES } from '../queues/catalog.js';
import { donePerMinute } from '../queues/throughput.js';
import type { QueueSet } from '../queues/factory.js';
import { feedHealth, type FeedHealth } from '../workers/fetch/feeds-registry.js';
import { latestStories, type StorySummary } from '../workers/classify/story-list.js';

export interface StatusData {
  generatedAt: string;
  /** perMinute: jobs finished in the last 60 seconds. */
  stages: { queue: string; waiting: number; active: number; delayed: number; failed: number; completed: number; perMinute: number }[];
  feeds: { total: number; failing: FeedHealth[] };
  stories: StorySummary[];
}

export async function statusData(opts: { queues: QueueSet; redis: Redis; keys: Keys; config: Config }): Promise<StatusData> {
  const stages = [];
  for (const name of QUEUE_NAMES) {
    const queue = opts.queues.get(name);
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');

    stages.push({
      queue: name,
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
      perMinute: await donePerMinute(opts.redis, opts.keys, name),
    });
  }
  const feeds = await feedHealth(opts.redis, opts.keys, opts.queues, opts.config);
  const stories = await latestStories(opts.redis, opts.keys.stories(), 20);
  return {
    generatedAt: new Date().toISOString(),
    stages,
    feeds: { total: feeds.length, failing: feeds.filter((f) => f.failures > 0) },
    stories,
  };
}

export function mountStatusPage(
  app: express.Express,
  opts: { queues: QueueSet; redis: Redis; keys: Keys; config: Config },
): void {
  app.get('/status/data.json', async (_req, res) => {
    try {
      res.json(await statusData(opts));
    } catch (err) {
      res.status(503).json({ error: (err as Error).message });
    }
  });
  app.get('/status', (_req, res) => {
    res.set('content-type', 'text/html; charset=utf-8').send(PAGE);
  });
}

// Rendering happens in the browser with textContent only: feed errors and titles are untrusted.
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsflow status</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  body { margin: 0; }
  header { background: #1d2330; color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 24px; }
  header h1 { font-size: 18px; margin: 0; }
  nav button { background: none; border: 0; color: #cfd6e4; font-size: 15px; padding: 6px 10px; cursor: pointer; border-radius: 4px; }
  nav button[aria-selected="true"] { background: #3a4560; color: #fff; }
  header a { color: #cfd6e4; margin-left: auto; }
  main { padding: 20px 24px; max-width: 1100px; }
  section[hidden] { display: none; }
  table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0001; }
  th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #e6e8ec; font-size: 14px; vertical-align: top; }
  th { background: #eef0f4; font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .bad { color: #b3261e; font-weight: 600; }
  .tag { display: inline-block; background: #e4ecfb; color: #23408e; border-radius: 10px; padding: 1px 8px; margin: 1px 2px; font-size: 12px; }
  .muted { color: #6b7385; font-size: 13px; }
  .empty { padding: 16px; color: #6b7385; background: #fff; }
</style>
</head>
<body>
<header>
  <h1>newsflow</h1>
  <nav role="tablist">
    <button role="tab" id="tab-stages" aria-selected="true" data-section="stages">Stages</button>
    <button role="tab" id="tab-feeds" aria-selected="false" data-section="feeds">Feeds</button>
    <button role="tab" id="tab-stories" aria-selected="false" data-section="stories">Stories</button>
  </nav>
  <a href="/queues">Queues (Bull Board)</a>
</header>
<main>
  <p class="muted" id="updated">loading…</p>
  <section id="stages">
    <table><thead><tr><th>stage</th><th>waiting</th><th>active</th><th>delayed</th><th>failed</th><th>completed</th><th>done / min</th></tr></thead>
    <tbody id="stages-body"></tbody></table>
  </section>
  <section id="feeds" hidden>
    <p id="feeds-summary"></p>
    <table><thead><tr><th>feed</th><th>failures</th><th>last error</th><th>last success</th><th>next poll</th></tr></thead>
    <tbody id="feeds-body"></tbody></table>
  </section>
  <section id="stories" hidden>
    <table><thead><tr><th>story</th><th>articles</th><th>outlets</th><th>topics</th><th>last seen</th></tr></thead>
    <tbody id="stories-body"></tbody></table>
  </section>
</main>
<script>
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const row = (cells) => { const tr = el('tr'); for (const c of cells) tr.appendChild(c); return tr; };
  const fill = (id, rows, cols, empty) => {
    const body = document.getElementById(id); body.replaceChildren();
    if (!rows.length) { const td = el('td', empty, 'empty'); td.colSpan = cols; body.appendChild(row([td])); return; }
    for (const r of rows) body.appendChild(r);
  };
  function show(section) {
    for (const b of document.querySelectorAll('nav button')) b.setAttribute('aria-selected', String(b.dataset.section === section));
    for (const s of document.querySelectorAll('main section')) s.hidden = s.id !== section;
  }
  for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.section));
  async function refresh() {
    try {
      const res = await fetch('/status/data.json');
      const d = await res.json();
      if (!res.ok) throw new Error(d.error || res.status);
      document.getElementById('updated').textContent = 'updated ' + new Date(d.generatedAt).toLocaleTimeString();
      fill('stages-body', d.stages.map((s) => row([el('td', s.queue), el('td', s.waiting, 'num'), el('td', s.active, 'num'),
        el('td', s.delayed, 'num'), el('td', s.failed, s.failed ? 'num bad' : 'num'), el('td', s.completed, 'num'), el('td', s.perMinute.toFixed(1), 'num')])), 7, 'no stages');
      document.getElementById('feeds-summary').textContent = d.feeds.total + ' feeds, ' + d.feeds.failing.length + ' failing';
      fill('feeds-body', d.feeds.failing.map((f) => row([el('td', f.name ? f.name + ' — ' + f.url : f.url), el('td', f.failures, 'num bad'),
        el('td', f.lastError || ''), el('td', f.lastSuccess || 'never'), el('td', f.nextPoll || '-')])), 5, 'no failing feeds');
      fill('stories-body', d.stories.map((s) => {
        const topics = el('td'); for (const t of s.topics) topics.appendChild(el('span', t, 'tag'));
        const size = s.copies ? s.size + ' (' + s.copies + (s.copies === 1 ? ' copy)' : ' copies)') : s.size;
        return row([el('td', s.title || s.id), el('td', size, 'num'), el('td', s.outlets.join(', ')), topics, el('td', s.lastSeen || '')]);
      }), 5, 'no stories yet');
    } catch (err) {
      document.getElementById('updated').textContent = 'cannot load status: ' + err.message;
    }
  }
  refresh();
  setInterval(refresh, 5000);
</script>
</body>
</html>`;
