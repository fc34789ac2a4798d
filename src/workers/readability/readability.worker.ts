// article.extract: run the extractor (a worker-thread pool, off the event loop) on the parked page
// body and hand the clean article to classification. The body is deleted only once the next job
// is safely queued, so a crash at any point loses nothing. Blocks the site repeats across its
// articles (layer 4, site-boilerplate.ts) are dropped once learned.
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PermanentError } from '../../shared/errors.js';
import { next } from '../../queues/factory.js';
import type { Handler } from '../runner.js';
import type { PayloadOf } from '../../queues/catalog.js';
import type { ExtractedArticle } from '../../shared/types.js';
import type { PipelineDeps } from '../context.js';
import { SiteBoilerplate } from './site-boilerplate.js';
import { blockModelOption } from './block-model.js';
import type { ExtractPool } from './extract.pool.js';

const gunzipAsync = promisify(gunzip);

/** What the classify stage gets: the article less its HTML, fingerprints and paragraphs. */
export function classifyPayload(payload: PayloadOf<'article.extract'>, article: ExtractedArticle, extractedAt: Date): PayloadOf<'article.classify'> {
  const { html: _html, fingerprints: _fp, paragraphs: _p, ...rest } = article;
  return {
    id: payload.id,
    feed: payload.feed,
    article: {
      ...rest,
      // Empty: `text` carries them (see the catalog).
      paragraphs: [],
      title: rest.title ?? payload.item.title,
      published: rest.published ?? payload.item.published,
      byline: rest.byline ?? payload.item.author,
      lang: rest.lang ?? payload.item.lang?.toLowerCase().slice(0, 2) ?? null,
    },
    times: { ...payload.times, extracted: extractedAt.toISOString() },
  };
}

/** The readability stage's own dependency: the extraction pool (app.ts starts it for the extract role). */
export interface ReadabilityDeps extends PipelineDeps {
  extractor?: Pick<ExtractPool, 'extract'>;
}

export function extractHandler(deps: ReadabilityDeps): Handler<'article.extract'> {
  const now = deps.now ?? (() => new Date());
  const learn = deps.config.extract.learn;
  const sites = learn.enabled
    ? new SiteBoilerplate(deps.redis, deps.keys.siteBoilerplate(), { minArticles: learn.minArticles })
    : null;
  const blockModel = blockModelOption(deps.config.extract.model);
  return async (payload, { log, enqueue }) => {
    const extractor = deps.extractor;
    if (!extractor) throw new Error('extract handler started without an extractor');
    const body = await deps.redis.getBuffer(payload.bodyKey);
    if (!body) {
      // A replay of a job that got as far as handing over (the body is deleted only after the
      // classify job is queued) but whose completion never reached Redis: a worker killed or
      // Redis gone between the two. Its work is done.
      const handedOver = await deps.queues.get('classify').getJobState(`classify-${payload.id}`);
      if (handedOver !== 'unknown') {
        log.info({ url: payload.url, classify: handedOver }, 'already extracted (replayed job): nothing to do');
        return;
      }
      throw new PermanentError(
        'body_missing',
        `page body for ${payload.url} is gone (expired or deleted); re-queue the article to fetch it again`,
      );
    }
    const html = (await gunzipAsync(body)).toString('utf8');
    const host = hostOf(payload.finalUrl);
    const siteRules = host ? deps.config.extract.sites[host] : undefined;
    const knownBoilerplate = sites && host ? await sites.known(host) : undefined;
    const article = await extractor.extract(html, {
      url: payload.finalUrl,
      siteRules,
      ...blockModel,
      ...(knownBoilerplate?.size ? { knownBoilerplate } : {}),
    });
    await enqueue([next('article.classify', classifyPayload(payload, article, now()))]);
    await deps.redis.del(payload.bodyKey);
    // Learning is best effort: a failure here must not fail an article that is already handed on.
    if (sites && host) {
      await sites
        .learn(host, payload.id, learnableFingerprints(article))
        .catch((err) => log.warn({ err }, 'boilerplate learning failed'));
    }
    log.debug({ url: payload.finalUrl, words: article.wordCount, learned: knownBoilerplate?.size ?? 0 }, 'article extracted');
  };
}

/**
 * Only short blocks are learned: promos, blurbs, disclaimers and bios are a few lines, while a
 * long paragraph a site repeats (the background of a running story) is still the article's text.
 */
export const MAX_LEARNED_WORDS = 60;

export function learnableFingerprints(article: { paragraphs: string[]; fingerprints: string[] }): string[] {
  return article.fingerprints.filter((_, i) => (article.paragraphs[i] ?? '').split(/\s+/).length <= MAX_LEARNED_WORDS);
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}
