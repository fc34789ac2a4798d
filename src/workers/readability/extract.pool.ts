// Runs extractArticle on a piscina pool of worker threads so parsing never blocks the event
// loop. Each page gets a time limit that starts when a thread picks it up (the thread says so;
// queueing and thread start-up do not count), and a page over its limit has its thread
// terminated; piscina starts a fresh one. Every so many pages per thread (RECYCLE_AFTER_PAGES)
// the whole set of threads is replaced, as a bound on anything a long-lived thread might keep.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { PermanentError } from '../../shared/errors.js';
import type { ExtractedArticle } from '../../shared/types.js';
import type { ExtractDom } from '../../shared/config.js';
import type { ExtractOptions } from './extract.js';
import type { ExtractReply, ExtractTask, StartedMessage } from './extract.thread.js';

export interface ExtractPoolOptions {
  /** Worker threads; defaults to the number of cores. */
  threads?: number;
  /** Per-page limit in ms, counted from when a thread starts on the page. */
  timeoutMs?: number;
  /** Heap cap per thread, so one monstrous page cannot take the process down. */
  maxHeapMb?: number;
  /**
   * Young-generation cap per thread. jsdom allocates a page's whole DOM at once; a young
   * generation larger than V8's default lets most of it die there instead of being promoted and
   * marked: about 15% more pages/s on 2 threads (bench/extract.bench.ts pool figures).
   */
  youngGenMb?: number;
  /** Pages per thread before the pool's threads are replaced (default RECYCLE_AFTER_PAGES). */
  recycleAfterPages?: number;
  /** The DOM for pages whose options do not name one (jsdom by default; see parse.ts). */
  dom?: ExtractDom;
}

export interface ExtractPool {
  extract(html: string, opts: ExtractOptions): Promise<ExtractedArticle>;
  readonly threads: number;
  /** How many times the set of threads has been replaced (recycleAfterPages). */
  readonly recycled: number;
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_HEAP_MB = 1024;
export const DEFAULT_YOUNG_GEN_MB = 128;
/**
 * Pages per thread before the threads are replaced. Neither DOM leaks in a thread that turns its
 * event loop between pages (see `atomics` below; with releasePage too, one jsdom thread held
 * 465-490 MB RSS from 400 to 6,000 pages, never recycled), so this only bounds anything
 * unforeseen; each replacement costs a thread start and JIT warm-up.
 * A fresh generation of threads takes new pages; the old one finishes its pages in flight and is
 * destroyed.
 */
export const RECYCLE_AFTER_PAGES = 5_000;

interface Generation {
  piscina: Piscina<ExtractTask, ExtractReply>;
  pages: number;
  inFlight: number;
}
/** Backstop if a start message were ever lost: thread start-up (tsx, jsdom) takes seconds. */
const STARTUP_ALLOWANCE_MS = 60_000;

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
  const maxHeapMb = options.maxHeapMb ?? DEFAULT_HEAP_MB;
  const { filename, execArgv } = threadEntry();
  const recycleAfter = Math.max(1, options.recycleAfterPages ?? RECYCLE_AFTER_PAGES) * threads;
  const started = new Map<number, () => void>();
  const spawn = (): Generation => {
    const piscina = new Piscina<ExtractTask, ExtractReply>({
      filename,
      execArgv,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      // Tasks arrive as 'message' events, so the thread returns to its event loop between pages.
      // Piscina's default ('sync') waits for the next task in Atomics.wait, called from the end
      // of the previous task, so once a thread has taken a task it never reaches its event loop
      // again, busy or idle: the tasks that clean up after jsdom never run (FinalizationRegistry
      // callbacks and the release of WeakRef targets wait for the end of the job, and jsdom uses
      // both), and each page left about 1 MB the GC could not free. Measured on bench:extract's
      // 200 pool pages, one jsdom thread, no recycling: RSS 950 -> 1,498 MB over 800 pages with
      // 'sync'; flat at 710-1,060 MB over 2,400 pages with 'disabled', and 10% more pages/s.
      atomics: 'disabled',
      resourceLimits: {
        maxOldGenerationSizeMb: maxHeapMb,
        maxYoungGenerationSizeMb: options.youngGenMb ?? DEFAULT_YOUNG_GEN_MB,
      },
    });
    piscina.on('message', (msg: Partial<StartedMessage>) => {
      if (typeof msg?.extractStarted === 'number') started.get(msg.extractStarted)?.();
    });
    return { piscina, pages: 0, inFlight: 0 };
  };
  let current = spawn();
  let recycled = 0;
  /** Replaced generations still finishing their pages. */
  const retiring = new Set<Generation>();
  const retireIfIdle = (g: Generation): void => {
    if (g.inFlight > 0 || !retiring.has(g)) return;
    retiring.delete(g);
    g.piscina.destroy().catch(() => {});
  };
  /** The generation a new page goes to: a fresh set of threads every `recycleAfter` pages. */
  const generationForNextPage = (): Generation => {
    if (current.pages >= recycleAfter) {
      const old = current;
      retiring.add(old);
      current = spawn();
      recycled++;
      retireIfIdle(old);
    }
    current.pages++;
    return current;
  };
  let nextId = 0;
  let closed = false;

  async function extract(html: string, opts: ExtractOptions): Promise<ExtractedArticle> {
    if (closed) throw new Error('extract pool is closed');
    const id = nextId++;
    const gen = generationForNextPage();
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(), timeoutMs + STARTUP_ALLOWANCE_MS);
    started.set(id, () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), timeoutMs);
    });
    try {
      gen.inFlight++;
      const reply = await gen.piscina.run({ id, html, opts: options.dom && !opts.dom ? { ...opts, dom: options.dom } : opts }, { signal: abort.signal }).finally(() => {
        gen.inFlight--;
        retireIfIdle(gen);
      });
      if (reply.ok) return reply.article;
      if (reply.permanent) throw new PermanentError(reply.code, reply.message);
      throw new Error(`extraction failed for ${opts.url}: ${reply.message}`);
    } catch (err) {
      if (abort.signal.aborted) {
        throw new PermanentError('timeout', `extraction of ${opts.url} took longer than ${timeoutMs} ms`, { cause: err });
      }
      // The thread hit its heap cap on this page; piscina replaces it. Retrying would do the same.
      if ((err as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new PermanentError('too_large', `extraction of ${opts.url} needed more than the ${maxHeapMb} MB heap cap per thread (extract.heapMb)`, { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      started.delete(id);
    }
  }

  return {
    extract,
    threads,
    get recycled() {
      return recycled;
    },
    async close() {
      closed = true;
      await Promise.all([current, ...retiring].map((g) => g.piscina.destroy()));
    },
  };
}
