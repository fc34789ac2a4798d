// article.classify: topics, entities and language (pure, classifyArticle), then whether the text
// copies an article stored before (the near-duplicate index), then the story id from the Redis
// story index shared by every classify worker, then one store job per configured sink.
// A retried job keeps the story it was given (the index remembers the article).
import type { Config } from '../../shared/config.js';
import type { StoredArticle } from '../../shared/types.js';
import { next } from '../../queues/factory.js';
import { SINK_NAMES, type SinkName } from '../../queues/catalog.js';
import type { Handler } from '../runner.js';
import type { PipelineDeps } from '../context.js';
import { classifyArticle, type ClassifyOptions } from './classify.js';
import { clusterTime } from '../../shared/story-time.js';
import { assignStory } from './story-cluster.js';
import { RedisStoryIndex } from './story-index.redis.js';
import { checkDuplicate } from './dup-index.js';
import { RedisDupIndex } from './dup-index.redis.js';
import { loadTopicModel } from './train.js';

/** The sinks the classify stage fans out to, one store job each. */
export function configuredSinks(config: Config): SinkName[] {
  return SINK_NAMES.filter((name) => config.sinks[name] !== undefined);
}

/** The classify options a config asks for (a custom model is read once, here). */
export function loadClassifyOptions(config: Config): ClassifyOptions {
  return {
    ...(config.classify.model ? { model: loadTopicModel(config.classify.model) } : {}),
    watchTopics: config.classify.watchTopics,
  };
}

export function classifyHandler(deps: PipelineDeps): Handler<'article.classify'> {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  let options: ClassifyOptions | undefined;
  const index = new RedisStoryIndex(deps.redis, deps.keys.stories(), { windowMs: config.stories.window, storyTtlMs: config.stories.ttl });
  const dups = config.duplicates.enabled ? new RedisDupIndex(deps.redis, deps.keys.duplicates(), { windowMs: config.stories.window }) : null;
  const sinks = configuredSinks(config);

  return async ({ id, feed, article, times }, { log }) => {
    options ??= loadClassifyOptions(config);
    const result = classifyArticle({ title: article.title, text: article.text, lang: article.lang }, options);
    const source = feed.name ?? article.siteName ?? hostOf(article.url);
    // Near-duplicates first: a copy joins its original's story.
    const dup = dups ? await checkDuplicate(dups, id, article.text, { threshold: config.duplicates.threshold, minWords: config.duplicates.minWords }) : null;
    const assignment = await assignStory(
      index,
      {
        id,
        title: article.title,
        text: article.text,
        published: clusterTime(article.published, times.discovered),
        source,
        entities: result.entities.map((e) => e.name),
        topics: result.topics.map((t) => t.label),
        duplicateOf: dup?.duplicateOf ?? null,
      },
      { windowMs: config.stories.window, maxSpanMs: config.stories.maxSpan },
    );
    const stored: StoredArticle = {
      id,
      url: article.url,
      canonicalUrl: article.canonicalUrl,
      feed,
      title: article.title,
      byline: article.byline,
      published: article.published,
      siteName: article.siteName,
      lang: result.lang ?? article.lang,
      leadImage: article.leadImage,
      text: article.text,
      wordCount: article.wordCount,
      topics: result.topics,
      entities: result.entities,
      story: assignment.story,
      duplicateOf: dup?.duplicateOf ?? null,
      times: {
        discovered: times.discovered,
        fetched: times.fetched ?? times.discovered,
        extracted: times.extracted ?? times.discovered,
        classified: now().toISOString(),
      },
    };
    log.debug({ id, story: assignment.story, matched: assignment.matched, duplicateOf: dup?.duplicateOf ?? null, topics: result.topics.map((t) => t.label) }, 'article classified');
    return sinks.map((sink) => next('article.store', { sink, article: stored }));
  };
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}
