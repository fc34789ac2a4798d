// One queue factory and one typed producer. Every enqueue is validated against the catalog and
// gets the catalog's default options and a deterministic job id.
import { Queue, type JobsOptions, type Telemetry } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import { catalog, jobIdFor, QUEUE_NAMES, type JobName, type PayloadOf, type QueueName } from './catalog.js';

export interface QueueSet {
  readonly prefix: string;
  get(name: QueueName): Queue;
  all(): Queue[];
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string, log?: Logger, telemetry?: Telemetry): QueueSet {
  const queues = new Map<QueueName, Queue>();
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection, prefix, ...(telemetry ? { telemetry } : {}) });
    queue.on('error', (err) => log?.error({ err, queue: name }, 'queue error'));
    queues.set(name, queue);
  }
  return {
    prefix,
    get(name) {
      const q = queues.get(name);
      if (!q) throw new Error(`unknown queue ${name}`);
      return q;
    },
    all: () => [...queues.values()],
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

export interface NextJob<N extends JobName = JobName> {
  name: N;
  data: PayloadOf<N>;
  opts?: JobsOptions;
}

export function next<N extends JobName>(name: N, data: PayloadOf<N>, opts?: JobsOptions): NextJob<N> {
  return { name, data, opts };
}

/** Validate and add jobs, grouped per queue in one round trip each. */
export async function enqueue(queues: QueueSet, jobs: NextJob[]): Promise<void> {
  const byQueue = new Map<QueueName, { name: string; data: unknown; opts: JobsOptions }[]>();
  for (const job of jobs) {
    const entry = catalog[job.name];
    const data = entry.schema.parse(job.data);
    const jobId = jobIdFor(job.name, data as never);
    const opts: JobsOptions = { ...entry.options, ...(jobId ? { jobId } : {}), ...job.opts };
    const list = byQueue.get(entry.queue) ?? [];
    list.push({ name: job.name, data, opts });
    byQueue.set(entry.queue, list);
  }
  await Promise.all([...byQueue].map(([queue, list]) => queues.get(queue).addBulk(list)));
}
