// Getting a feed document: parse the body, and when a configured "feed" URL turns out to be an
// HTML page, follow the feed it advertises (<link rel="alternate">) once. Shared by the feed.poll
// worker and `newsflow feed parse`; the fetching itself is passed in.
import { PermanentError } from '../../shared/errors.js';
import { parseFeed, NotAFeedError, type NormalisedFeed } from './feed-parse.js';

export interface FetchedText {
  /** Decoded body; undefined when the body was binary. */
  text?: string;
  /** Final URL after redirects. */
  url: string;
}

export interface FeedDocument<R extends FetchedText> {
  feed: NormalisedFeed;
  /** The response the feed was parsed from (the discovered feed's, when one was followed). */
  res: R;
  /** Set when the URL asked for was an HTML page and this advertised feed was used instead. */
  discoveredUrl: string | null;
}

function parseBody(res: FetchedText): NormalisedFeed {
  // No text means the body was binary: saying "the body is empty" would send a person looking
  // for the wrong problem.
  if (res.text === undefined) throw new PermanentError('binary', `${res.url}: the body is binary (not text), not a feed`);
  return parseFeed(res.text, { url: res.url });
}

/**
 * Parse `first` as a feed; if it is an HTML page advertising feeds, fetch the first of them with
 * `fetchUrl` and parse that. A page without feed links, or a second page, throws NotAFeedError.
 */
export async function parseOrDiscover<R extends FetchedText>(
  first: R,
  fetchUrl: (url: string) => Promise<R>,
): Promise<FeedDocument<R>> {
  try {
    return { feed: parseBody(first), res: first, discoveredUrl: null };
  } catch (err) {
    if (!(err instanceof NotAFeedError) || err.feeds.length === 0) throw err;
    const target = err.feeds[0]!.url;
    const res = await fetchUrl(target);
    return { feed: parseBody(res), res, discoveredUrl: target };
  }
}
