// parseFeed: any feed body (RSS 0.9x / 1.0 / 2.0, Atom 0.3 / 1.0, JSON Feed) into one normalised
// shape with absolute links and ISO dates. XML goes through rss-parser's xml2js/sax stack; DTDs
// are dropped before parsing so no entity is ever declared, let alone expanded (XXE, billion
// laughs). Broken XML is retried leniently, then truncated to its last complete item.
import Parser from 'rss-parser';
import { PermanentError } from '../../shared/errors.js';
import { resolveUrl } from '../../shared/url.js';
import { discoverFeeds, type DiscoveredFeed } from './discover.js';
import { all, atomAuthors, atomItem, atomLink, attr, first, isNode, itemDate, rssItem, textOf, type Node } from './feed-items.js';
import { plainText, type FeedFormat, type FeedItem, type NormalisedFeed } from './feed-types.js';
import { parseJsonFeed } from './json-feed.js';

export type { FeedFormat, FeedItem, NormalisedFeed } from './feed-types.js';

/** HTML where a feed was expected; `feeds` are the feeds the page advertises, best first. */
export class NotAFeedError extends PermanentError {
  constructor(message: string, readonly feeds: DiscoveredFeed[] = []) {
    super('not_a_feed', message);
  }
}

type Built = Record<string, unknown> & { items: Node[] };

/**
 * The parts of rss-parser used here. Its public `parseString` only answers through a Promise,
 * although xml2js (async: false) and the builders run synchronously; parseFeed must be
 * synchronous for the CLI and workers, so it drives the same two steps directly. The fixture
 * tests pin this: an rss-parser upgrade that changes them fails loudly, not silently.
 */
interface RssParserInternals {
  xmlParser: { parseString(xml: string, cb: (err: Error | null, result: Node | null) => void): unknown };
  buildAtomFeed(tree: Node): Built;
  buildRSS0_9(tree: Node): Built;
  buildRSS1(tree: Node): Built;
  buildRSS2(tree: Node): Built;
}

function newParser(lenient: boolean): RssParserInternals {
  const xml2js = lenient
    ? {
        strict: false,
        // sax upper-cases names in non-strict mode; put them back the way the builders expect.
        tagNameProcessors: [(n: string) => (n.toLowerCase() === 'rdf:rdf' ? 'rdf:RDF' : n.toLowerCase())],
        attrNameProcessors: [(n: string) => n.toLowerCase()],
      }
    : { strict: true };
  return new Parser({ xml2js, defaultRSS: 2 }) as unknown as RssParserInternals;
}

function parseTree(xml: string, lenient: boolean): { tree: Node | null; error: Error | null; parser: RssParserInternals } {
  const parser = newParser(lenient);
  let tree: Node | null = null;
  let error: Error | null = null;
  let done = false;
  try {
    parser.xmlParser.parseString(xml, (err, result) => {
      if (done) return;
      done = true;
      error = err;
      tree = result;
    });
  } catch (err) {
    error ??= err as Error;
  }
  if (!done && !error) error = new Error('the XML parser did not finish');
  return { tree, error, parser };
}

/** Cut a truncated document after its last complete item and close whatever is still open. */
function repairTruncated(xml: string): string | null {
  const end = Math.max(xml.lastIndexOf('</item>') + 7, xml.lastIndexOf('</entry>') + 8);
  if (end < 8) return null;
  const cut = xml.slice(0, end);
  const stack: string[] = [];
  const scan = cut.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, '');
  for (const m of scan.matchAll(/<(\/?)([A-Za-z_][\w:.-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      const i = stack.lastIndexOf(m[2]!);
      if (i >= 0) stack.length = i;
    } else stack.push(m[2]!);
  }
  return cut + stack.reverse().map((t) => `</${t}>`).join('');
}

function firstLine(err: Error | null): string {
  return (err?.message ?? 'unknown error').split('\n')[0]!;
}

/** Strip what must never reach the XML parser, noting what was removed. */
function prepareXml(body: string, warnings: string[]): string {
  let xml = body;
  const decl = xml.indexOf('<?xml');
  const start = decl >= 0 && decl < 4096 ? decl : xml.indexOf('<');
  if (start > 0) {
    warnings.push(`ignored ${start} characters of junk before the XML`);
    xml = xml.slice(start);
  }
  // No DTD ever reaches the parser: nothing declared, nothing expanded, nothing fetched.
  xml = xml.replace(/<!DOCTYPE[^[>]*(\[[\s\S]*?\]\s*)?>/i, (dtd) => {
    if (/<!ENTITY/i.test(dtd)) warnings.push('ignored the DOCTYPE and its <!ENTITY> declarations (entities are never expanded)');
    return '';
  });
  return xml.includes('xhtml') ? inlineXhtml(xml) : xml;
}

/**
 * Atom `type="xhtml"` content is markup inline in the feed, which xml2js cannot give back in
 * order (it separates text from child elements). Turn it into the equivalent `type="html"`
 * with the markup as CDATA, minus the wrapping xhtml <div> the spec says is not content.
 */
function inlineXhtml(xml: string): string {
  return xml.replace(
    /<((?:[\w-]+:)?(?:content|summary|title))\b([^>]*?)\btype\s*=\s*(["'])xhtml\3([^>]*)>([\s\S]*?)<\/\1\s*>/g,
    (_all, tag: string, before: string, _q: string, after: string, inner: string) => {
      const unwrapped = /^\s*<(?:[\w-]+:)?div\b[^>]*>([\s\S]*)<\/(?:[\w-]+:)?div>\s*$/.exec(inner)?.[1] ?? inner;
      const cdata = unwrapped.trim().split(']]>').join(']]]]><![CDATA[>');
      return `<${tag}${before}type="html"${after}><![CDATA[${cdata}]]></${tag}>`;
    },
  );
}

function looksLikeHtml(s: string): boolean {
  const head = s.slice(0, 4096).replace(/<\?xml[^>]*>|<!--[\s\S]*?-->/g, '').trimStart();
  return /^<!doctype\s+html/i.test(head) || /^<html[\s>]/i.test(head) || (/^<head[\s>]/i.test(head) && !/<(rss|feed|rdf:RDF)[\s>]/i.test(s));
}

function notAFeed(what: string, body: string, url: string): NotAFeedError {
  const feeds = discoverFeeds(body, url);
  const hint = feeds.length ? ` It links to ${feeds.length === 1 ? 'a feed' : 'feeds'}: ${feeds.map((f) => f.url).join(', ')}` : '';
  return new NotAFeedError(`${url} is ${what}, not a feed.${hint}`, feeds);
}

/**
 * Parse a feed body (already decoded to text) fetched from `opts.url`. Returns the best result
 * the body allows; throws NotAFeedError (`not_a_feed`) for HTML or other non-feed documents and
 * PermanentError(`feed_parse`) when nothing usable can be recovered. Errors name `opts.name`
 * (a file) instead of the URL when it is given.
 */
export function parseFeed(body: string, opts: { url: string; name?: string }): NormalisedFeed {
  try {
    return parseFeedAt(body, opts);
  } catch (err) {
    // A feed read from a file is resolved against a placeholder URL; its errors name the file.
    if (opts.name && err instanceof Error) {
      err.message = err.message.startsWith(opts.url) ? opts.name + err.message.slice(opts.url.length) : `${opts.name}: ${err.message}`;
    }
    throw err;
  }
}

function parseFeedAt(body: string, opts: { url: string }): NormalisedFeed {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text === '') throw new PermanentError('feed_parse', `${opts.url}: the body is empty`);
  if (text.startsWith('{')) return parseJsonFeed(text, opts.url);
  if (looksLikeHtml(text)) throw notAFeed('an HTML page', text, opts.url);

  const warnings: string[] = [];
  const xml = prepareXml(text, warnings);
  let { tree, error, parser } = parseTree(xml, false);
  const strictError = error;
  if (!tree) {
    ({ tree, error, parser } = parseTree(xml, true));
    if (tree) warnings.push(`recovered from malformed XML (${firstLine(strictError)})`);
  }
  if (!tree) {
    const repaired = repairTruncated(xml);
    if (repaired) ({ tree, error, parser } = parseTree(repaired, true));
    if (tree) warnings.push(`the XML is cut short or broken (${firstLine(strictError)}); kept the items before the break`);
  }
  if (!tree) {
    throw new PermanentError('feed_parse', `${opts.url}: not well-formed XML and nothing could be recovered (${firstLine(strictError ?? error)})`);
  }
  return fromTree(tree, parser, opts.url, warnings, text);
}

function fromTree(tree: Node, parser: RssParserInternals, url: string, warnings: string[], body: string): NormalisedFeed {
  const rootName = Object.keys(tree)[0] ?? '';
  const root = tree[rootName];
  if (!isNode(root) && typeof root !== 'string') throw new PermanentError('feed_parse', `${url}: empty XML document`);
  if (rootName.toLowerCase() === 'html') throw notAFeed('an XHTML page', body, url);
  const feedRoot = isNode(root) ? root : {};
  let format: FeedFormat;
  let rawItems: unknown[];
  let channel: Node;
  if (rootName === 'feed') {
    const version = attr(feedRoot, 'version');
    format = version === '0.3' || attr(feedRoot, 'xmlns') === 'http://purl.org/atom/ns#' ? 'atom0.3' : 'atom1.0';
    channel = feedRoot;
    rawItems = all(feedRoot, 'entry');
  } else if (rootName === 'rss') {
    format = /^0\.9/.test(attr(feedRoot, 'version') ?? '') ? 'rss0.9' : 'rss2.0';
    const ch = first(feedRoot, 'channel');
    if (!isNode(ch)) throw new PermanentError('feed_parse', `${url}: <rss> without a <channel>`);
    channel = ch;
    rawItems = all(ch, 'item');
  } else if (rootName === 'rdf:RDF') {
    format = 'rss1.0';
    const ch = first(feedRoot, 'channel');
    channel = isNode(ch) ? ch : {};
    if (!isNode(ch)) feedRoot.channel = [{}];
    rawItems = all(feedRoot, 'item');
  } else {
    throw notAFeed(`an XML document with root <${rootName}>`, body, url);
  }
  const isAtom = format.startsWith('atom');

  // Dates are ours to parse: rss-parser's Atom builder throws on an unreadable one.
  const rawDates = rawItems.map((raw) => (isNode(raw) ? itemDate(raw, isAtom) : null));
  if (isAtom) for (const raw of rawItems) if (isNode(raw)) for (const k of ['published', 'updated']) delete raw[k];

  let built: Built;
  try {
    built =
      format === 'atom0.3' || format === 'atom1.0' ? parser.buildAtomFeed(tree)
      : format === 'rss1.0' ? parser.buildRSS1(tree)
      : format === 'rss0.9' ? parser.buildRSS0_9(tree)
      : parser.buildRSS2(tree);
  } catch (err) {
    throw new PermanentError('feed_parse', `${url}: the ${format} structure could not be read (${firstLine(err as Error)})`);
  }

  const feedBase = resolveUrl(attr(feedRoot, 'xml:base'), url) ?? url;
  const feedLink = isAtom ? atomLink(all(channel, 'link'), feedBase) : resolveUrl(textOf(first(channel, 'link')), feedBase);
  const feedAuthor = isAtom ? atomAuthors(channel) : null;
  const items: FeedItem[] = [];
  rawItems.forEach((raw, i) => {
    const b = built.items[i];
    if (!isNode(raw) || !b) return;
    const ownBase = resolveUrl(attr(raw, 'xml:base'), feedBase);
    // RSS has no xml:base habit: relative item links are relative to the site (channel link).
    const base = ownBase ?? (isAtom ? feedBase : feedLink ?? feedBase);
    items.push(isAtom ? atomItem(raw, b, base, rawDates[i] ?? null, feedAuthor) : rssItem(raw, b, base, rawDates[i] ?? null));
  });
  // RSS <ttl>: minutes the channel may be cached; a floor for the poll interval.
  const ttl = isAtom ? NaN : Number(textOf(first(channel, 'ttl'))?.trim() || NaN);
  return {
    title: plainText(textOf(built.title)),
    link: feedLink,
    format,
    items,
    warnings,
    ...(Number.isFinite(ttl) && ttl > 0 ? { ttl } : {}),
  };
}
