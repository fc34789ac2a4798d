// Starting and stopping the pipeline in one process, for the roles it is asked to run.
// `npm start` runs every role; a container runs the roles in WORKERS (e.g. `fetch,extract`).
//
// Shutdown order: dashboard, then workers (worker.close() lets active jobs finish), then the
// extraction pool and sinks, then queues, then Redis connections.
import { availableParallelism } from 'node:os';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from './shared/config.js';
import { UsageError } from './shared/errors.js';
import { createRedis } from './shared/redis.js';
import { otlpEndpoint, startTracing } from './shared/telemetry.js';
import { keysFor, type Keys } from './shared/keys.js';
import type { Logger } from './shared/logger.js';
import { createQueues, type QueueSet } from './queues/factory.js';
import { jobsOfQueue, type QueueName, type SinkName } from './queues/catalog.js';
import { syncFeedSchedules } from './queues/schedules.js';
import { registeredFeeds } from './workers/fetch/feeds-registry.js';
import type { Dashboard } from './dashboard/dashboard.js';
import { createMetrics } from './queues/metrics.js';
import { recordDone } from './queues/throughput.js';
import { startWorker, type RunnerOptions } from './workers/runner.js';
import { buildHandlers } from './workers/handlers.js';
import type { PipelineDeps, Sink } from './workers/context.js';
import { createExtractPool, type ExtractPool } from './workers/readability/extract.pool.js';
import { blockModelOption, loadBlockModel } from './workers/readability/block-model.js';
import { createJsonlSink } from './workers/store/jsonl.sink.js';
import { createPostgresSink } from './workers/store/postgres.sink.js';
import { createWebhookSink } from './workers/store/webhook.sink.js';
import { createStreamSink } from './workers/store/stream.sink.js';

export const ROLES = ['fetch', 'extract', 'classify', 'store', 'dashboard'] as const;
export type Role = (typeof ROLES)[number];

const ROLE_QUEUES: Record<Exclude<Role, 'dashboard'>, QueueName[]> = {
  fetch: ['feed', 'page'],
  extract: ['extract'],
  classify: ['classify'],
  store: ['store'],
};

export function parseRoles(value: string | undefined, from = 'WORKERS'): Role[] {
  if (!value || value.trim() === '' || value.trim() === 'all') return [...ROLES];
  const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) {
    throw new UsageError(`unknown role(s) in ${from}: ${unknown.join(', ')} (known: ${ROLES.join(', ')}, or all)`);
  }
  return roles as Role[];
}

export interface PipelineOptions {
  config: Config;
  redisUrl: string;
  log: Logger;
  roles?: Role[];
  /** Sync feed schedules from config (default true when running fetch). */
  schedules?: boolean;
  onSettled?: RunnerOptions['onSettled'];
}

export interface Pipeline {
  queues: QueueSet;
  redis: Redis;
  deps: PipelineDeps & { extractor?: ExtractPool };
  dashboard?: Dashboard;
  workers: Worker[];
  stop(): Promise<void>;
}

export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const { config, log } = opts;
  const roles = new Set(opts.roles ?? ROLES);
  const prefix = config.redis.prefix;
  const onRedisError = (err: Error) => log.warn({ err: err.message }, 'Redis connection problem; reconnecting');
  const connection = createRedis(opts.redisUrl, 'worker', 'newsflow-workers', onRedisError);
  const redis = createRedis(opts.redisUrl, 'worker', 'newsflow-state', onRedisError);
  const tracing = await startTracing();
  if (tracing) log.info({ endpoint: otlpEndpoint() }, 'OpenTelemetry tracing on');
  const queues = createQueues(connection, prefix, log, tracing?.telemetry);
  const keys = keysFor(prefix);

  // The extract role's pool is the readability stage's own dependency (ReadabilityDeps).
  const deps: PipelineDeps & { extractor?: ExtractPool } = { config, redis, queues, keys, log };
  if (roles.has('extract')) {
    // A model that cannot be read fails here, once, not on every article in the threads.
    const { blockModel } = blockModelOption(config.extract.model);
    if (blockModel !== null) loadBlockModel(blockModel);
    deps.extractor = createExtractPool({
      threads: config.extract.threads || undefined,
      dom: config.extract.dom,
      timeoutMs: config.extract.timeout,
      maxHeapMb: config.extract.heapMb,
      youngGenMb: config.extract.youngGenMb,
      recycleAfterPages: config.extract.recycleAfter,
    });
  }
  if (roles.has('store')) deps.sinks = createSinks(config, redis, keys);

  const metrics = createMetrics({ queues, redis, keys });
  const onSettled: RunnerOptions['onSettled'] = (queue, outcome, job) => {
    metrics.observe(queue, outcome, job);
    if (outcome === 'retry') void redis.hincrby(keys.stats(), `retry:${queue}`, 1).catch(() => {});
    if (outcome === 'completed') void recordDone(redis, keys, queue).catch(() => {});
    if (outcome === 'completed' && queue === 'store') {
      void redis.hincrby(keys.stats(), `stored:${(job.data as { sink: string }).sink}`, 1).catch(() => {});
    }
    opts.onSettled?.(queue, outcome, job);
  };
  const served = [...roles].flatMap((role) => (role === 'dashboard' ? [] : ROLE_QUEUES[role]));
  const handlers = await buildHandlers(deps, served.flatMap(jobsOfQueue));
  const workers: Worker[] = [];
  const concurrency: Record<QueueName, number> = {
    feed: 4,
    page: config.fetch.concurrency,
    // Twice the threads, so each thread has the next page ready when it finishes one.
    extract: config.extract.concurrency ?? (config.extract.threads || availableParallelism()) * 2,
    classify: config.classify.concurrency,
    store: 8,
  };
  for (const queue of served) {
    workers.push(
      startWorker(queue, handlers, {
        connection,
        queues,
        log,
        concurrency: concurrency[queue],
        onSettled,
        telemetry: tracing?.telemetry,
        lockDuration: config.queues.lockDuration,
        stalledInterval: config.queues.stalledInterval,
      }),
    );
  }
  if (roles.has('fetch') && (opts.schedules ?? true)) {
    await syncFeedSchedules(queues, config, log, { added: await registeredFeeds(redis, keys) });
  }

  // The dashboard role serves Bull Board, the status page, /metrics and health; a worker-only
  // process serves /metrics and health alone when METRICS_PORT is set.
  let dashboard: Dashboard | undefined;
  // Defined before the dashboard starts: a port in use stops what already runs, then says so.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await dashboard?.close();
      await Promise.all(workers.map((w) => w.close()));
      await deps.extractor?.close();
      await Promise.all([...(deps.sinks?.values() ?? [])].map((s) => s.close()));
      await queues.close();
      await Promise.all([connection.quit(), redis.quit()].map((p) => p.catch(() => {})));
      await tracing?.shutdown();
      log.info('pipeline stopped');
    })());

  const metricsPort = process.env.METRICS_PORT ? Number(process.env.METRICS_PORT) : undefined;
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    await stop();
    throw new UsageError(`METRICS_PORT: must be a port number from 0 to 65535 (got "${process.env.METRICS_PORT}")`);
  }
  if (roles.has('dashboard') || metricsPort !== undefined) {
    const user = process.env.DASHBOARD_USER;
    const password = process.env.DASHBOARD_PASSWORD;
    // Loaded here: Bull Board and the HTTP server are no weight for a worker that serves neither.
    const { startDashboard } = await import('./dashboard/dashboard.js');
    try {
      dashboard = await startDashboard({
        queues,
        redis,
        log,
        config,
        keys,
        metrics,
        board: roles.has('dashboard'),
        host: roles.has('dashboard') ? config.dashboard.host : (process.env.METRICS_HOST ?? '0.0.0.0'),
        port: roles.has('dashboard') ? config.dashboard.port : metricsPort!,
        readOnly: process.env.DASHBOARD_READ_ONLY === 'true',
        auth: user && password ? { user, password } : undefined,
      });
    } catch (err) {
      await stop();
      throw err;
    }
  }
  log.info({ roles: [...roles], prefix }, 'pipeline started');

  return { queues, redis, deps, dashboard, workers, stop };
}

function createSinks(config: Config, redis: Redis, keys: Keys): Map<SinkName, Sink> {
  const { jsonl, postgres, webhook, stream } = config.sinks;
  const sinks = new Map<SinkName, Sink>();
  if (jsonl) {
    sinks.set(
      'jsonl',
      createJsonlSink({
        path: jsonl.path,
        fsync: jsonl.fsync,
        redis,
        writtenKey: keys.sinkWritten('jsonl'),
        retentionMs: config.sinks.dedupWindow,
        legacyKey: keys.sinkDoneLegacy('jsonl'),
      }),
    );
  }
  if (postgres?.url) sinks.set('postgres', createPostgresSink({ url: postgres.url, schema: postgres.schema }));
  if (webhook) {
    sinks.set('webhook', createWebhookSink({ url: webhook.url, secret: webhook.secret, timeoutMs: webhook.timeout, headers: webhook.headers }));
  }
  if (stream) {
    sinks.set(
      'stream',
      createStreamSink({
        redis,
        stream: stream.key ?? `${config.redis.prefix}:articles`,
        maxLen: stream.maxLen,
        writtenKey: keys.sinkWritten('stream'),
        retentionMs: config.sinks.dedupWindow,
        legacyKey: keys.sinkDoneLegacy('stream'),
      }),
    );
  }
  return sinks;
}

