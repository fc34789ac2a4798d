// What makes one stored version of an article: its id and a hash of what a reader sees. A replay
// of the same version is a duplicate; a version with changed text (fetch.reprocessChanged) is news.
import { createHash } from 'node:crypto';
import type { StoredArticle } from '../../shared/types.js';

export function contentVersion(article: Pick<StoredArticle, 'id' | 'title' | 'text'>): string {
  const hash = createHash('sha1').update(article.title ?? '').update('\0').update(article.text).digest('hex').slice(0, 12);
  return `${article.id}.${hash}`;
}
