// The job catalog: every job has a schema, options and a deterministic id where it matters;
// payloads queued by an earlier release still parse (payloads change additively).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { articleContentSchema } from '../../../src/shared/types.js';
import { extractArticle } from '../../../src/workers/readability/extract.js';
import { classifyPayload } from '../../../src/workers/readability/readability.worker.js';
import { catalog, jobIdFor, jobsOfQueue, QUEUE_NAMES, type JobName } from '../../../src/queues/catalog.js';
import { startWorker } from '../../../src/workers/runner.js';
import { silentLogger } from '../../../src/shared/logger.js';
import type { QueueSet } from '../../../src/queues/factory.js';

const v1 = JSON.parse(readFileSync(new URL('../../fixtures/payloads/v1.json', import.meta.url), 'utf8')) as Record<JobName, unknown>;

describe('job catalog', () => {
  it('parses every payload shape queued by release 1', () => {
    expect(Object.keys(v1).sort()).toEqual(Object.keys(catalog).sort());
    for (const name of Object.keys(catalog) as JobName[]) {
      const result = catalog[name].schema.safeParse(v1[name]);
      expect(result.success, `${name}: ${result.success ? '' : result.error.message}`).toBe(true);
    }
  });

  it('rejects a payload missing what a handler needs, naming the field', () => {
    const result = catalog['article.store'].schema.safeParse({ sink: 'jsonl', article: { id: 'x' } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain('article.url');
  });

  it('gives article jobs ids from content that BullMQ accepts (no colon, not all digits)', () => {
    for (const name of ['article.fetch', 'article.extract', 'article.classify', 'article.store'] as const) {
      const id = jobIdFor(name, catalog[name].schema.parse(v1[name]) as never);
      expect(id).toMatch(/^[a-z]+-[a-z0-9-]+$/);
      expect(id).not.toMatch(/^\d+$/);
    }
    expect(jobIdFor('article.store', catalog['article.store'].schema.parse(v1['article.store']))).toBe('store-jsonl-a0123456789abcdef0123');
  });

  it('bounds what finished jobs keep in Redis', () => {
    for (const entry of Object.values(catalog)) {
      expect(entry.options.removeOnComplete).toBeTruthy();
      expect(entry.options.removeOnFail).toBeTruthy();
    }
  });

  it('maps every queue to at least one job', () => {
    for (const queue of QUEUE_NAMES) expect(jobsOfQueue(queue).length).toBeGreaterThan(0);
  });

  it('refuses to start a worker for a queue whose jobs have no handler', () => {
    const fake = { prefix: 'x', get: () => { throw new Error('unused'); }, all: () => [], close: async () => {} } as unknown as QueueSet;
    expect(() => startWorker('store', {}, { connection: {} as never, queues: fake, log: silentLogger, concurrency: 1 })).toThrow(
      /no handler for article\.store: refusing to start/,
    );
  });

  it('sends classify payloads that release 1 classify workers still parse (rolling upgrades)', () => {
    const html = '<html><head><title>T</title></head><body><article><h1>T</h1>' +
      '<p>First paragraph of the article, long enough to be kept by the extractor as body text.</p>' +
      '<p>Second paragraph of the article, also long enough to be kept as part of the body.</p></article></body></html>';
    const extracted = extractArticle(html, { url: 'https://news.example/a/1' });
    const payload = classifyPayload(catalog['article.extract'].schema.parse(v1['article.extract']), extracted, new Date());
    expect(payload.article.paragraphs).toEqual([]);
    expect(payload.article.text).toContain('Second paragraph');
    expect(catalog['article.classify'].schema.safeParse(payload).success).toBe(true);
    // Release 1 required `paragraphs`; its article schema is still the shared one.
    expect(z.object({ article: articleContentSchema }).safeParse(payload).success).toBe(true);
  });
});
