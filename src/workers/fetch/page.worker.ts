// article.fetch: download one article page, refuse what is not HTML, and park the body (UTF-8) in
// Redis (gzipped, with a TTL) for the extract stage, so job payloads stay small. The download
// waits its turn at the host gate (per-host politeness across processes) and asks the host's
// robots.txt first (fetch.robots). While fetch.maxPendingPages bodies wait for extraction, a page
// job waits (a few seconds in place, then back in the delayed set, which is not an attempt)
// instead of downloading more: a burst of discoveries cannot fill Redis with parked bodies.
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DelayedError, type Queue } from 'bullmq';
import { gzip } from 'node:zlib';
import { PermanentError } from '../../shared/errors.js';
import { next } from '../../queues/factory.js';
import type { PayloadOf } from '../../queues/catalog.js';
import type { Handler, JobContext } from '../runner.js';
import type { PipelineDeps } from '../context.js';
import { fetchWithConfig, hostGateFor } from './fetch-options.js';
import { isHtmlContentType, type HttpResponse } from '../../shared/http.js';
import { assertRobotsAllow } from './robots-cache.js';

const gzipAsync = promisify(gzip);
/** Bodies wait at most this long for extraction; a backlog older than this is re-fetched. */
const BODY_TTL_SECONDS = 3 * 24 * 3600;

/** A job waits this long in place for the extract backlog to shrink, then this long (plus up to
 * as much again) in the delayed set: each slot turns over one job per few seconds, not a busy loop. */
const BACKLOG_WAIT_MS = 5000;
const BACKLOG_POLL_MS = 250;

export interface BacklogGate {
  /** Whether one more page may be downloaded now; if so, `leave` must follow. */
  tryEnter(): Promise<boolean>;
  /** The download is over; `handedOn` when it queued an extract job. */
  leave(handedOn: boolean): void;
}

/**
 * Admits downloads while the extract queue's jobs not yet done (each one a parked body), plus
 * this process's downloads in flight, stay under `max`. The queue is counted at most every
 * BACKLOG_POLL_MS; in between, this process's own admissions and hand-overs keep the estimate.
 */
export function backlogGate(extract: Queue, max: number): BacklogGate {
  let checkedAt = 0;
  let queued = 0;
  let inFlight = 0;
  let pending: Promise<void> | null = null;
  return {
    async tryEnter() {
      if (Date.now() - checkedAt > BACKLOG_POLL_MS) {
        pending ??= extract
          .getJobCounts('waiting', 'prioritized', 'delayed', 'active')
          .then((c) => {
            queued = Object.values(c).reduce((a, b) => a + b, 0);
            checkedAt = Date.now();
          })
          .finally(() => (pending = null));
        await pending;
      }
      if (queued + inFlight >= max) return false;
      inFlight++;
      return true;
    },
    leave(handedOn) {
      inFlight--;
      if (handedOn) queued++;
    },
  };
}

/**
 * The body as the extract stage reads it: UTF-8, gzipped. A UTF-8 page is parked as it came:
 * gzipped on the wire, those very bytes; otherwise its bytes (less any BOM) compressed here.
 * Only other charsets are decoded, to be encoded again as UTF-8.
 */
async function parkedBody(res: HttpResponse): Promise<Buffer> {
  const utf8 = res.charset?.charset === 'utf-8';
  if (utf8 && res.charset!.bomLength === 0 && res.gzipped) return res.gzipped;
  const bytes = utf8 ? res.body.subarray(res.charset!.bomLength) : Buffer.from(res.text!, 'utf8');
  // Level 1: the body lives only until extraction, and level 6 costs about three times the CPU.
  return gzipAsync(bytes, { level: 1 });
}

export function pageFetchHandler(deps: PipelineDeps): Handler<'article.fetch'> {
  const now = deps.now ?? (() => new Date());
  const gate = hostGateFor(deps);
  const backlog = backlogGate(deps.queues.get('extract'), deps.config.fetch.maxPendingPages);

  /** Downloads the page, parks its body and queues its extract job. */
  const fetchPage = async (payload: PayloadOf<'article.fetch'>, ctx: JobContext): Promise<void> => {
    const res = await gate.run(payload.url, ctx, async () => {
      if (deps.config.fetch.robots) await assertRobotsAllow({ ...deps, gate }, payload.url);
      return fetchWithConfig(deps.config, payload.url, {
        accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
      });
    });
    const contentType = res.contentType ?? '';
    if (contentType && !isHtmlContentType(contentType)) {
      throw new PermanentError('not_html', `page is ${contentType.split(';')[0]}, not HTML: ${res.url}`);
    }
    if (!res.charset) throw new PermanentError('binary', `page body is binary, not HTML text: ${res.url}`);
    const bodyKey = deps.keys.body(payload.id);
    await deps.redis.set(bodyKey, await parkedBody(res), 'EX', BODY_TTL_SECONDS);
    ctx.log.debug({ url: payload.url, finalUrl: res.url, bytes: res.body.length }, 'page fetched');
    await ctx.enqueue([
      next('article.extract', {
        ...payload,
        finalUrl: res.url,
        bodyKey,
        times: { ...payload.times, fetched: now().toISOString() },
      }),
    ]);
  };

  return async (payload, ctx) => {
    let admitted = await backlog.tryEnter();
    for (let waited = 0; !admitted && waited < BACKLOG_WAIT_MS; waited += BACKLOG_POLL_MS) {
      await sleep(BACKLOG_POLL_MS);
      admitted = await backlog.tryEnter();
    }
    if (!admitted && ctx.token) {
      await ctx.job.moveToDelayed(Date.now() + BACKLOG_WAIT_MS + Math.floor(Math.random() * BACKLOG_WAIT_MS), ctx.token);
      throw new DelayedError(`extract backlog at fetch.maxPendingPages (${deps.config.fetch.maxPendingPages}): waiting`);
    }
    // Outside a worker (no token to delay with) the page is fetched anyway.
    let handedOn = false;
    try {
      await fetchPage(payload, ctx);
      handedOn = true;
    } finally {
      if (admitted) backlog.leave(handedOn);
    }
  };
}
