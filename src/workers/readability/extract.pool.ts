// Runs extractArticle on a piscina pool of worker threads so parsing never blocks the event
// loop. Each page gets a time limit that starts when a thread picks it up: pages wait in our
// own queue until a thread is free, and a page over its limit has its thread terminated.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { PermanentError } from '../../shared/errors.js';
import type { ExtractedArticle } from '../../shared/types.js';
import type { ExtractOptions } from './extract.js';
import type { ExtractReply, ExtractTask } from './extract.thread.js';

export interface ExtractPoolOptions {
  /** Worker threads; defaults to the number of cores. */
  threads?: number;
  /** Per-page limit in ms, counted from when a thread starts on the page. */
  timeoutMs?: number;
  /** Heap cap per thread, so one monstrous page cannot take the process down. */
  maxHeapMb?: number;
}

export interface ExtractPool {
  extract(html: string, opts: ExtractOptions): Promise<ExtractedArticle>;
  readonly threads: number;
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 20_000;

/** Tests run the TypeScript source (threads need tsx); production runs the built JS. */
function threadEntry(): { filename: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  return {
    filename: new URL(ts ? './extract.thread.ts' : './extract.thread.js', import.meta.url).href,
    execArgv: ts ? ['--import', 'tsx'] : [],
  };
}

export function createExtractPool(options: ExtractPoolOptions = {}): ExtractPool {
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { filename, execArgv } = threadEntry();
  const piscina = new Piscina<ExtractTask, ExtractReply>({
    filename,
    execArgv,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 1024 },
  });
  const waiting: (() => void)[] = [];
  let active = 0;
  let closed = false;

  const slot = async (): Promise<void> => {
    if (active < threads) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const nextTask = waiting.shift();
    if (nextTask) nextTask();
    else active--;
  };

  async function extract(html: string, opts: ExtractOptions): Promise<ExtractedArticle> {
    if (closed) throw new Error('extract pool is closed');
    await slot();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const reply = await piscina.run({ html, opts }, { signal: abort.signal });
      if (reply.ok) return reply.article;
      if (reply.permanent) throw new PermanentError(reply.code, reply.message);
      throw new Error(`extraction failed for ${opts.url}: ${reply.message}`);
    } catch (err) {
      if (abort.signal.aborted) {
        throw new PermanentError('timeout', `extraction of ${opts.url} took longer than ${timeoutMs} ms`, { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  return {
    extract,
    threads,
    async close() {
      closed = true;
      await piscina.destroy();
    },
  };
}
