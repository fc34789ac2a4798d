// Webhook sink: POST each article as JSON, signed with HMAC-SHA256 over the exact body
// (`X-Newsflow-Signature: sha256=<hex>`), with `Idempotency-Key: <article id>.<content hash>` so
// receivers can drop replays (and still see a changed version of an article). 5xx, 408, 429 and timeouts are retried (the job's exponential backoff with jitter,
// never sooner than Retry-After); any other 4xx is permanent, with the receiver's reason kept.
// The secret never reaches a log line or an error message.
import { createHmac } from 'node:crypto';
import { PermanentError, RetryableError } from '../../shared/errors.js';
import { parseRetryAfter } from '../../shared/http.js';
import type { StoredArticle } from '../../shared/types.js';
import type { Sink } from '../context.js';
import { contentVersion } from './content-version.js';

export interface WebhookSinkOptions {
  url: string;
  secret?: string;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const RETRYABLE = new Set([408, 425, 429]);

export function createWebhookSink(opts: WebhookSinkOptions): Sink {
  const target = new URL(opts.url);
  const where = `${target.origin}${target.pathname}`; // no query string: it may carry a token
  return {
    name: 'webhook',
    async write(article: StoredArticle) {
      const body = JSON.stringify({ type: 'article', article });
      const headers: Record<string, string> = {
        ...opts.headers,
        'content-type': 'application/json',
        // Same article, same content: same key. A reprocessed article with changed text has a new one.
        'idempotency-key': contentVersion(article),
        'x-newsflow-article-id': article.id,
        'user-agent': 'newsflow-webhook',
      };
      if (opts.secret) headers['x-newsflow-signature'] = signBody(body, opts.secret);
      let res: Response;
      try {
        res = await fetch(opts.url, { method: 'POST', body, headers, signal: AbortSignal.timeout(opts.timeoutMs), redirect: 'error' });
      } catch (err) {
        const timeout = (err as Error).name === 'TimeoutError';
        throw new RetryableError(timeout ? 'timeout' : 'network', `webhook ${where}: ${timeout ? 'timed out' : (err as Error).message}`);
      }
      if (res.ok) {
        await res.body?.cancel();
        return;
      }
      const reason = (await res.text().catch(() => '')).slice(0, 300).trim();
      const message = `webhook ${where} answered ${res.status}${reason ? `: ${reason}` : ''}`;
      if (res.status >= 500 || RETRYABLE.has(res.status)) {
        throw new RetryableError(`http_${res.status}`, message, parseRetryAfter(res.headers.get('retry-after') ?? undefined));
      }
      throw new PermanentError(`http_${res.status}`, message);
    },
    async close() {},
  };
}
