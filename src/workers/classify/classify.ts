// classifyArticle: language, topics (model + watch rules) and entities for one article. Pure
// apart from lazily reading the shipped model file once when the caller passes no model.
import type { Classification, TopicScore } from '../../shared/types.js';
import { extractEntities } from './entities.js';
import { detectLanguage } from './language.js';
import { leadingText, predictTopics, type TopicModel, type TopicPrediction } from './topic-model.js';
import { defaultModelPath, loadTopicModel } from './train.js';
import type { WatchTopic } from '../../shared/watch-topics.js';
import { matchWatchTopics } from './watch-topics.js';

export interface ClassifyOptions {
  /** Topic model; defaults to models/topics.model.json shipped with the package. */
  model?: TopicModel;
  watchTopics?: readonly WatchTopic[];
  /** Besides the best topic, keep others scoring at least this (default 0.3). */
  topicThreshold?: number;
  /** At most this many model topics (default 3). */
  maxTopics?: number;
  /** Languages the model was trained on; others get watch topics only (default ['en']). */
  modelLanguages?: readonly string[];
}

export interface ArticleInput {
  title: string | null;
  text: string;
  /** Language the page declared; used when detection cannot tell. */
  lang?: string | null;
}

let defaultModel: TopicModel | null = null;

/** The shipped model, read on first use. */
export function getDefaultModel(): TopicModel {
  if (!defaultModel) {
    const file = defaultModelPath();
    try {
      defaultModel = loadTopicModel(file);
    } catch (err) {
      throw new Error(`cannot load the default topic model ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  return defaultModel;
}

/**
 * Topics are read from the first this many characters of title + text. The character n-grams of
 * a whole long article were the classify stage's largest CPU cost; in 5-fold CV (models/MODEL_CARD.md,
 * fourth round) the first 3,000 characters cost one BBC error of 1,730 and no AG error.
 */
export const TOPIC_TEXT_CHARS = 3000;

/** The model's topics for an article's title + text, read the way the pipeline reads them. */
export function predictArticleTopics(model: TopicModel, full: string): TopicPrediction[] {
  return predictTopics(model, leadingText(full, TOPIC_TEXT_CHARS));
}

/** Best topic always; others when the model is reasonably sure too. */
export function selectTopics(
  scores: readonly { label: string; score: number }[],
  threshold = 0.3,
  max = 3,
): TopicScore[] {
  return scores
    .filter((s, i) => i === 0 || s.score >= threshold)
    .slice(0, max)
    // Capped below 1 so that a score of 1 always means a watch-topic match.
    .map((s) => ({ label: s.label, score: Math.min(0.999, Math.round(s.score * 1000) / 1000), source: 'model' as const }));
}

export function classifyArticle(article: ArticleInput, opts: ClassifyOptions = {}): Classification {
  const title = article.title?.trim() ?? '';
  const full = title ? `${title}\n${article.text}` : article.text;
  const declared = article.lang ? article.lang.toLowerCase().slice(0, 2) : null;
  const lang = detectLanguage(full) ?? declared;
  const entities = extractEntities(full);

  const topics: TopicScore[] = [];
  const modelLangs = opts.modelLanguages ?? ['en'];
  if (full.trim() && (lang === null || modelLangs.includes(lang))) {
    const model = opts.model ?? getDefaultModel();
    topics.push(...selectTopics(predictArticleTopics(model, full), opts.topicThreshold, opts.maxTopics));
  }
  for (const name of matchWatchTopics(opts.watchTopics ?? [], { text: full, entities })) {
    if (!topics.some((t) => t.label === name)) topics.push({ label: name, score: 1, source: 'watch' });
  }
  // Best first: watch matches (score 1) lead, then model topics by probability.
  topics.sort((a, b) => b.score - a.score);
  return { lang, topics, entities };
}
