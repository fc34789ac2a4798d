// JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/) into the normalised feed shape.
import { PermanentError } from '../../shared/errors.js';
import { resolveUrl } from '../../shared/url.js';
import { parseDate } from './dates.js';
import { nonEmpty, plainText, type FeedItem, type NormalisedFeed } from './feed-types.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function authorName(node: Json): string | null {
  // 1.1 has `authors: [{name}]`; 1.0 had a single `author`.
  const list = Array.isArray(node.authors) ? node.authors : isObject(node.author) ? [node.author] : [];
  const names = list.filter(isObject).map((a) => plainText(a.name as string)).filter((n): n is string => n !== null);
  return names.length ? names.join(', ') : null;
}

export function parseJsonFeed(body: string, feedUrl: string): NormalisedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new PermanentError('feed_parse', `body looks like JSON but does not parse: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new PermanentError('not_a_feed', 'JSON document is not an object, so not a JSON Feed');
  const version = typeof doc.version === 'string' ? doc.version : '';
  if (!/jsonfeed\.org\/version\//.test(version) && !Array.isArray(doc.items)) {
    throw new PermanentError('not_a_feed', 'JSON document has neither a jsonfeed.org version nor an items array');
  }
  const warnings: string[] = [];
  const base = resolveUrl(doc.feed_url as string, feedUrl) ?? feedUrl;
  const link = resolveUrl(doc.home_page_url as string, base);
  const feedAuthor = authorName(doc);
  const rawItems = Array.isArray(doc.items) ? doc.items : [];
  const items: FeedItem[] = [];
  for (const raw of rawItems) {
    if (!isObject(raw)) {
      warnings.push('skipped an item that is not an object');
      continue;
    }
    const itemLink = resolveUrl(raw.url as string, base) ?? resolveUrl(raw.external_url as string, base);
    const id = raw.id === undefined || raw.id === null ? null : String(raw.id).trim() || null;
    const image = resolveUrl(raw.image as string, base) ?? resolveUrl(raw.banner_image as string, base);
    const tags = Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string' && t.trim() !== '') : [];
    const item: FeedItem = {
      title: plainText(raw.title as string),
      link: itemLink,
      id: id ?? itemLink,
      published: parseDate(raw.date_published as string) ?? parseDate(raw.date_modified as string),
      author: authorName(raw) ?? feedAuthor,
      summary: nonEmpty(raw.summary),
      content: nonEmpty(raw.content_html) ?? nonEmpty(raw.content_text),
    };
    if (image) item.image = image;
    if (tags.length) item.categories = tags.map((t) => t.trim());
    items.push(item);
  }
  return { title: plainText(doc.title as string), link, format: 'jsonfeed', items, warnings };
}
