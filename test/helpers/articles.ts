// A StoredArticle for sink tests, with overridable fields.
import type { StoredArticle } from '../../src/shared/types.js';

export function storedArticle(id: string, overrides: Partial<StoredArticle> = {}): StoredArticle {
  const at = '2024-05-01T10:00:00.000Z';
  return {
    id,
    url: `https://news.example/${id}`,
    canonicalUrl: `https://news.example/${id}`,
    feed: { url: 'https://news.example/rss', name: 'Example News' },
    title: `Ministers agree budget deal ${id}`,
    byline: 'A Reporter',
    published: at,
    siteName: 'Example News',
    lang: 'en',
    leadImage: null,
    text: 'Ministers agreed a budget deal late on Monday.\n\nThe deal raises spending on schools.',
    wordCount: 15,
    topics: [{ label: 'politics', score: 0.91, source: 'model' }],
    entities: [{ name: 'Monday', type: 'organization', count: 1 }],
    story: `story-${id}`,
    duplicateOf: null,
    times: { discovered: at, fetched: at, extracted: at, classified: at },
    ...overrides,
  };
}
