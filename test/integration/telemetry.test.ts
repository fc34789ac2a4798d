// OpenTelemetry: with an OTLP endpoint set, enqueues and jobs are traced and exported over
// OTLP/HTTP; a local receiver stands in for the collector.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/config.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startPipeline } from '../../src/app.js';
import { enqueue, next } from '../../src/queues/factory.js';
import { otlpEndpoint } from '../../src/shared/telemetry.js';
import { storedArticle } from '../helpers/articles.js';
import { cleanupPrefix, randomPrefix, testRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { scaled } from '../helpers/time-scale.js';

describe('OpenTelemetry traces', () => {
  let collector: Server;
  const bodies: string[] = [];
  const prefix = randomPrefix('otel');

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => collector.close(() => r()));
    const redis = testRedis();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('derives the traces endpoint from the standard variables', () => {
    expect(otlpEndpoint({})).toBeUndefined();
    expect(otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(otlpEndpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/t' })).toBe('http://c:4318/t');
  });

  it('exports spans for enqueued and processed jobs when an endpoint is set', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'nf-otel-'));
    const config = parseConfig({ redis: { prefix }, sinks: { jsonl: { path: join(dir, 'a.jsonl') } } }, 'test', {});
    const pipeline = await startPipeline({ config, redisUrl: TEST_REDIS_URL, log: silentLogger, roles: ['store'] });
    try {
      await enqueue(pipeline.queues, [next('article.store', { sink: 'jsonl', article: storedArticle('otel1') })]);
      const deadline = Date.now() + scaled(20_000);
      while ((await pipeline.queues.get('store').getJobCounts('completed')).completed !== 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await pipeline.stop(); // flushes the span processor
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    }
    const all = bodies.join('\n');
    expect(bodies.length).toBeGreaterThan(0);
    expect(all).toContain('store');
    expect(all).toContain('newsflow');
  });
});
