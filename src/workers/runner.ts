// The generic worker: parse the payload against the catalog, give the handler a child logger,
// enqueue the jobs it returns, and map errors. Handlers stay thin and never see BullMQ's errors.
//
// Errors: PermanentError (and an invalid payload) become UnrecoverableError, so BullMQ moves the
// job to failed at once with the reason; anything else is retried with the catalog's backoff.
// A job is logged at error level once, when it fails for good.
import { MetricsTime, UnrecoverableError, Worker, type Job, type Telemetry } from 'bullmq';
import type { Redis } from 'ioredis';
import { PermanentError, RetryableError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { BACKOFF_TYPE, catalog, jobsOfQueue, type JobName, type PayloadOf, type QueueName } from '../queues/catalog.js';
import { enqueue, type NextJob, type QueueSet } from '../queues/factory.js';

export interface JobContext {
  log: Logger;
  job: Job;
  /** 1 on the first try. */
  attempt: number;
  /** The worker's lock token for this job (for job.moveToDelayed); absent outside a Worker. */
  token?: string;
  /** Enqueue now, for handlers with work to do after the next jobs are safely queued. */
  enqueue(jobs: NextJob[]): Promise<void>;
}

export type Handler<N extends JobName> = (
  payload: PayloadOf<N>,
  ctx: JobContext,
) => Promise<NextJob[] | void>;

export type HandlerMap = { [N in JobName]: Handler<N> };

export interface RunnerOptions {
  connection: Redis;
  queues: QueueSet;
  log: Logger;
  concurrency: number;
  /** OpenTelemetry through bullmq-otel, when tracing is on. */
  telemetry?: Telemetry;
  /** Lock and stalled-check timing (config `queues`); BullMQ's defaults when absent. */
  lockDuration?: number;
  stalledInterval?: number;
  /** Called after each finished job (for metrics and the demo's progress). */
  onSettled?: (queue: QueueName, outcome: 'completed' | 'failed' | 'retry', job: Job) => void;
}

export function startWorker(
  queue: QueueName,
  handlers: Partial<HandlerMap>,
  opts: RunnerOptions,
): Worker {
  const missing = jobsOfQueue(queue).filter((name) => !handlers[name]);
  if (missing.length) {
    throw new Error(`queue "${queue}" has no handler for ${missing.join(', ')}: refusing to start`);
  }

  const processor = async (job: Job, token?: string) => {
    const name = job.name as JobName;
    const attempt = job.attemptsMade + 1;
    const log = opts.log.child({ queue, jobId: job.id, job: name, attempt });
    const entry = catalog[name];
    if (!entry || entry.queue !== queue) {
      throw new UnrecoverableError(`unknown job "${job.name}" on queue "${queue}"`);
    }
    const parsed = entry.schema.safeParse(job.data);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new UnrecoverableError(`invalid_payload: ${problems}`);
    }
    const handler = handlers[name] as Handler<JobName>;
    try {
      const nextJobs = await handler(parsed.data as PayloadOf<JobName>, {
        log,
        job,
        attempt,
        token,
        enqueue: (jobs) => enqueue(opts.queues, jobs),
      });
      if (nextJobs?.length) await enqueue(opts.queues, nextJobs);
    } catch (err) {
      if (err instanceof PermanentError) {
        throw new UnrecoverableError(`${err.code}: ${err.message}`);
      }
      throw err;
    }
  };

  const worker = new Worker(queue, processor, {
    connection: opts.connection,
    prefix: opts.queues.prefix,
    concurrency: opts.concurrency,
    ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
    ...(opts.lockDuration ? { lockDuration: opts.lockDuration } : {}),
    ...(opts.stalledInterval ? { stalledInterval: opts.stalledInterval } : {}),
    // Bounded bookkeeping, as in the catalog's defaults.
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 10_000 },
    settings: { backoffStrategy },
    // Per-minute completed/failed counts for `newsflow status` and /metrics, two hours' worth.
    metrics: { maxDataPoints: MetricsTime.ONE_HOUR * 2 },
  });

  worker.on('error', (err) => opts.log.error({ err, queue }, 'worker error'));
  worker.on('completed', (job) => opts.onSettled?.(queue, 'completed', job));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const maxAttempts = job.opts.attempts ?? 1;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= maxAttempts;
    const fields = { queue, jobId: job.id, job: job.name, attempt: job.attemptsMade, reason: errorMessage(err) };
    if (final) {
      const entry = catalog[job.name as JobName] as { failureLevel?: 'warn' | 'error' } | undefined;
      opts.log[entry?.failureLevel ?? 'error'](fields, 'job failed for good');
      opts.onSettled?.(queue, 'failed', job);
    } else {
      opts.log.warn(fields, 'job failed, will retry');
      opts.onSettled?.(queue, 'retry', job);
    }
  });
  return worker;
}

/** Longest single wait between two attempts. */
const MAX_BACKOFF_MS = 6 * 3600 * 1000;

/**
 * The catalog's `jittered` backoff: base × 2^(attempt-1), scaled by a random factor in [0.5, 1]
 * so that retries of a burst of failures spread out, and never sooner than a Retry-After the
 * failing server asked for.
 */
export function backoffStrategy(attemptsMade: number, type?: string, err?: Error, job?: { opts: { backoff?: unknown } }): number {
  const backoff = job?.opts.backoff as { type?: string; delay?: number } | undefined;
  const base = backoff?.delay ?? 1000;
  if (type !== BACKOFF_TYPE) return base;
  const exponential = Math.min(base * 2 ** Math.max(0, attemptsMade - 1), MAX_BACKOFF_MS);
  const jittered = Math.round(exponential * (0.5 + Math.random() * 0.5));
  const retryAfter = err instanceof RetryableError ? (err.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, Math.min(retryAfter, MAX_BACKOFF_MS));
}
