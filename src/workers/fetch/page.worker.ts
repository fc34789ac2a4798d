// article.fetch: download one article page, refuse what is not HTML, and park the decoded body in
// Redis (gzipped, with a TTL) for the extract stage, so job payloads stay small. The download
// waits its turn at the host gate (per-host politeness across processes) and asks the host's
// robots.txt first (fetch.robots).
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PermanentError } from '../../shared/errors.js';
import { next } from '../../queues/factory.js';
import type { Handler } from '../runner.js';
import type { PipelineDeps } from '../context.js';
import { fetchWithConfig, hostGateFor } from './fetch-options.js';
import { isHtmlContentType, looksBinary } from '../../shared/http.js';
import { assertRobotsAllow } from './robots-cache.js';

const gzipAsync = promisify(gzip);
/** Bodies wait at most this long for extraction; a backlog older than this is re-fetched. */
const BODY_TTL_SECONDS = 3 * 24 * 3600;

export function pageFetchHandler(deps: PipelineDeps): Handler<'article.fetch'> {
  const now = deps.now ?? (() => new Date());
  const gate = hostGateFor(deps);
  return async (payload, ctx) => {
    const { log } = ctx;
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
    if (res.text === undefined || looksBinary(res.body)) {
      throw new PermanentError('binary', `page body is binary, not HTML text: ${res.url}`);
    }
    const html = res.text;
    const bodyKey = deps.keys.body(payload.id);
    // Level 1: the body lives only until extraction, and level 6 costs about three times the CPU.
    await deps.redis.set(bodyKey, await gzipAsync(html, { level: 1 }), 'EX', BODY_TTL_SECONDS);
    log.debug({ url: payload.url, finalUrl: res.url, bytes: res.body.length }, 'page fetched');
    return [
      next('article.extract', {
        ...payload,
        finalUrl: res.url,
        bodyKey,
        times: { ...payload.times, fetched: now().toISOString() },
      }),
    ];
  };
}
