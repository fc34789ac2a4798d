// The library: what programs that embed newsflow may call. The pure functions run without Redis.
export { extractArticle } from './workers/readability/extract.js';
export type { SiteRules } from './workers/readability/extract.js';
export { classifyArticle } from './workers/classify/classify.js';
export { loadTopicModel, trainFromJsonl } from './workers/classify/train.js';
export { parseFeed } from './workers/fetch/feed-parse.js';
export { canonicalUrl, articleId } from './shared/url.js';
export { loadConfig, parseConfig, ConfigError, type Config } from './shared/config.js';
export { startPipeline, type Pipeline, type Role } from './app.js';
export { PermanentError, RetryableError } from './shared/errors.js';
export type {
  ExtractedArticle,
  Classification,
  TopicScore,
  Entity,
  EntityType,
  StoredArticle,
} from './shared/types.js';
