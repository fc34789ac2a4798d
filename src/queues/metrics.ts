// Prometheus metrics (prom-client). Two kinds:
// - this process's own: job outcomes and processing-time histograms per stage, from the runner;
// - the whole pipeline's, read from Redis at scrape time, so any one process (the dashboard)
//   reports every worker's totals: queue depth by state, completed and failed totals (BullMQ's
//   metrics), retries and articles stored per sink (our counters), feed health, Redis memory.
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Keys } from '../shared/keys.js';
import { QUEUE_NAMES, type QueueName } from './catalog.js';
import type { QueueSet } from './factory.js';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

export interface PipelineMetrics {
  registry: Registry;
  /** Runner hook: count and time each finished job. */
  observe(queue: QueueName, outcome: 'completed' | 'failed' | 'retry', job: Job): void;
}

export function createMetrics(opts: { queues: QueueSet; redis: Redis; keys: Keys }): PipelineMetrics {
  const registry = new Registry();
  // Node's own names already start with process_ or nodejs_: newsflow_process_cpu_user_seconds_total.
  collectDefaultMetrics({ register: registry, prefix: 'newsflow_' });

  const outcomes = new Counter({
    name: 'newsflow_process_jobs_total',
    help: 'Jobs finished by this process, by queue and outcome (completed, failed, retry)',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'newsflow_job_duration_seconds',
    help: 'Processing time of jobs finished by this process, by queue',
    labelNames: ['queue'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const { queues, redis, keys } = opts;
  new Gauge({
    name: 'newsflow_queue_jobs',
    help: 'Jobs in each queue by state (all processes)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const name of QUEUE_NAMES) {
        const counts = await queues.get(name).getJobCounts(...STATES);
        for (const state of STATES) this.set({ queue: name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'newsflow_jobs_finished_total',
    help: 'Jobs completed or failed for good since the queue was created (all processes; BullMQ metrics)',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
    async collect() {
      for (const name of QUEUE_NAMES) {
        for (const outcome of ['completed', 'failed'] as const) {
          const m = await queues.get(name).getMetrics(outcome, 0, 0);
          this.set({ queue: name, outcome }, m.meta.count);
        }
      }
    },
  });
  new Gauge({
    name: 'newsflow_pipeline_counter',
    help: 'Pipeline-wide counters kept in Redis: retries per queue (retry:<queue>) and articles stored per sink (stored:<sink>)',
    labelNames: ['name'],
    registers: [registry],
    async collect() {
      this.reset();
      const stats = await redis.hgetall(keys.stats());
      for (const [name, value] of Object.entries(stats)) this.set({ name }, Number(value));
    },
  });
  new Gauge({
    name: 'newsflow_feeds',
    help: 'Feeds with state, by health (ok: last poll succeeded; failing: consecutive failures)',
    labelNames: ['health'],
    registers: [registry],
    async collect() {
      const ids = await redis.smembers(keys.feedIndex());
      let failing = 0;
      for (const id of ids) if (Number((await redis.hget(keys.feedState(id), 'failures')) ?? 0) > 0) failing += 1;
      this.set({ health: 'ok' }, ids.length - failing);
      this.set({ health: 'failing' }, failing);
    },
  });
  new Gauge({
    name: 'newsflow_redis_used_memory_bytes',
    help: 'Redis used_memory',
    registers: [registry],
    async collect() {
      const info = await redis.info('memory');
      const m = /used_memory:(\d+)/.exec(info);
      if (m) this.set(Number(m[1]));
    },
  });

  return {
    registry,
    observe(queue, outcome, job) {
      outcomes.inc({ queue, outcome });
      if (job.processedOn && job.finishedOn && outcome !== 'retry') {
        duration.observe({ queue }, (job.finishedOn - job.processedOn) / 1000);
      }
    },
  };
}
