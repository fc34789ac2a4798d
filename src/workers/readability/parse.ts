// Turning prepared HTML into a Document for extraction, on either DOM implementation:
//
// - jsdom (the default): the standards-complete DOM Readability.js is developed against.
// - linkedom: a light DOM, several times cheaper to build and walk, with less garbage per page;
//   chosen with `extract.dom: linkedom`. bench:extract scores both on the same pages.
//
// Both trees come from the same HTML5 parser, parse5 (jsdom's own): linkedom's built-in parser
// (htmlparser2) does not build the tree a browser builds from broken markup (content before
// `<html>` stays outside it, attribute names keep their case, no implied `<head>`/`<body>`),
// and linkedom's `head`/`body` getters then insert empty elements. parse5 into plain objects,
// then copied into linkedom nodes, costs about 1.3x linkedom's own parser and still a fifth of
// jsdom's.
//
// Neither runs scripts or loads sub-resources: jsdom's DOMParser documents never do, and linkedom
// has no script engine or network at all.
// First: it tunes jsdom's internals before jsdom's node classes load (see the module).
import './jsdom-tuning.js';
import { JSDOM, VirtualConsole } from 'jsdom';
import { DOMParser as LightParser } from 'linkedom';
import { defaultTreeAdapter, html as html5, parse as parseHtml5, parseFragment } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';
import type { ExtractDom } from '../../shared/config.js';
import { PermanentError } from '../../shared/errors.js';
import { findDescendant } from './dom.js';

export function parsePage(html: string, url: string, dom: ExtractDom = 'jsdom'): Document {
  return dom === 'linkedom' ? parseLight(html, url) : parseJsdom(html, url);
}

/**
 * jsdom pages are parsed by the DOMParser of a window that is reused for many pages: building a
 * window (all its globals) costs about as much as parsing a small page. DOMParser documents take
 * their URL from the window's document, so the window is pointed at each page's URL first
 * (Readability resolves relative links against it).
 *
 * Every document jsdom makes, each DOMParser page included, builds its own selector engine
 * (@asamuzakjp/dom-selector), which adds nine focus, keyboard and mouse listeners to the window
 * and never removes them. Each listener keeps its engine alive, and the engine the last node it
 * matched (querySelector, matches and closest always go through it, and restoring split sections
 * calls querySelector on every page), so until this window ignored listeners it kept every page:
 * ~1.25 MB a page, 250 MB per 200 pages with one window; hence a window used to be replaced every
 * 16 pages. Nothing here dispatches events to this window, so nothing is lost. With that and
 * releasePage, one window in a one-thread pool held RSS at 414-455 MB over 2,400 pages.
 * PAGES_PER_WINDOW is a backstop for anything jsdom keeps that we have not found; the silent
 * virtual console swallows complaints about broken markup.
 */
export const PAGES_PER_WINDOW = 1_000;
let jsdomParser: { dom: JSDOM; parser: DOMParser; pages: number } | null = null;

function parseJsdom(html: string, url: string): Document {
  if (!jsdomParser || jsdomParser.pages >= PAGES_PER_WINDOW) {
    jsdomParser?.dom.window.close();
    const dom = new JSDOM('', { url: 'about:blank', virtualConsole: new VirtualConsole() });
    ignoreListeners(dom.window);
    jsdomParser = { dom, parser: new dom.window.DOMParser(), pages: 0 };
  }
  try {
    jsdomParser.dom.reconfigure({ url });
  } catch (err) {
    if (err instanceof TypeError) throw invalidUrl(url, err);
    throw err;
  }
  jsdomParser.pages++;
  return jsdomParser.parser.parseFromString(html, 'text/html');
}

/** The parsing window's listeners would only pin the pages' selector engines (above). */
function ignoreListeners(window: JSDOM['window']): void {
  Object.defineProperty(window, 'addEventListener', { value: () => {}, configurable: true, writable: true });
}

/**
 * Lets a jsdom page's memory go once extraction is done with it. A jsdom window indexes every
 * attached element with an `id` or `name` for `window[name]` lookups, and it does so for the
 * documents its DOMParser makes too, although they are not its document: whatever Readability
 * leaves in the page stays reachable from the window, and with it the whole document, until the
 * window is replaced. Detaching the root takes those elements out of the index. On one thread
 * over 600 pages: the heap after a full GC 62-80 MB instead of 70-210 MB, full-GC pauses 10-15 ms
 * instead of 20-86 ms; pages/s unchanged within noise (detaching costs ~1-3 ms a page, parsing
 * ~27). linkedom keeps no such index. Never throws: only memory is at stake, so it must not
 * replace the page's own outcome or error.
 */
export function releasePage(doc: Document, dom: ExtractDom = 'jsdom'): void {
  if (dom !== 'jsdom') return;
  try {
    doc.documentElement?.remove();
  } catch {
    // The page is dropped either way; at worst its window keeps it until the window is replaced.
  }
}

type P5Node = DefaultTreeAdapterMap['childNode'] | DefaultTreeAdapterMap['parentNode'];

/**
 * A linkedom document has no URL of its own, and its `baseURI` is a `<base>` element's raw href or
 * nothing. Readability resolves relative links against `document.baseURI` and keeps `#fragment`
 * links as they are when that equals `document.documentURI`, so both are set as jsdom reports
 * them: the page URL, and the first `<base href>` resolved against it.
 */
function parseLight(html: string, url: string): Document {
  let pageUrl: URL;
  try {
    pageUrl = new URL(url);
  } catch (err) {
    throw invalidUrl(url, err);
  }
  const doc = new LightParser().parseFromString('<!DOCTYPE html>', 'text/html') as unknown as Document;
  // Scripting off, as in jsdom's DOMParser documents: <noscript> content is markup, not text.
  copyTree(parseHtml5(html, { scriptingEnabled: false }), doc, doc);
  const baseHref = doc.querySelector('base[href]')?.getAttribute('href');
  let base = pageUrl.href;
  if (baseHref) {
    try {
      base = new URL(baseHref.trim(), pageUrl).href;
    } catch {
      // An unusable <base> is ignored, as browsers do.
    }
  }
  Object.defineProperty(doc, 'documentURI', { value: pageUrl.href });
  Object.defineProperty(doc, 'baseURI', { value: base });
  Object.defineProperty(doc, 'URL', { value: pageUrl.href });
  // The title is the first <title> anywhere in the document, whitespace collapsed (linkedom reads
  // only the head's, uncollapsed); broken pages put it in the body.
  Object.defineProperty(doc, 'title', {
    get: () => findFirst(doc.documentElement, 'title')?.textContent?.replace(/[\t\n\f\r ]+/g, ' ').trim() ?? '',
  });
  // `head` and `body` as the DOM defines them: null when missing. linkedom's getters insert empty
  // elements instead, and throw once Readability has removed the root element (it does that to
  // an <html> whose class looks like a menu; jsdom then answers null).
  Object.defineProperty(doc, 'head', { get: () => rootChild(doc, (n) => n === 'head') });
  Object.defineProperty(doc, 'body', { get: () => rootChild(doc, (n) => n === 'body' || n === 'frameset') });
  // An HTML document lowercases the names it is asked to create (Readability asks for "DIV" and
  // "P"); linkedom keeps them as given, and then `localName` checks miss them.
  const createElement = doc.createElement.bind(doc);
  Object.defineProperty(doc, 'createElement', {
    value: (name: string, options?: ElementCreationOptions) => withHtml5InnerHtml(createElement(name.toLowerCase(), options), doc),
  });
  // Readability restores the body through innerHTML when its first pass finds too little, and
  // unwraps <noscript> images through a fresh element's innerHTML: both go through parse5 too.
  const body = doc.body;
  if (body) withHtml5InnerHtml(body, doc);
  return doc;
}

/**
 * linkedom's innerHTML writes attribute values without escaping `&` and parses with htmlparser2,
 * so a round trip through it changes links and text. On `el`, innerHTML becomes the HTML
 * standard's serialisation and a parse5 fragment parse in the element's context.
 */
function withHtml5InnerHtml<T extends Element>(el: T, doc: Document): T {
  Object.defineProperty(el, 'innerHTML', {
    get: () => serialiseChildren(el),
    set: (markup: string) => {
      while (el.firstChild) el.firstChild.remove();
      const context = defaultTreeAdapter.createElement(el.localName, html5.NS.HTML, []);
      copyTree(parseFragment(context, String(markup), { scriptingEnabled: false }), el, doc);
    },
  });
  return el;
}

/** Elements without an end tag or content (HTML standard). */
export const VOID_ELEMENTS: ReadonlySet<string> = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', 'basefont', 'bgsound', 'frame', 'keygen', 'param']);
const RAW_TEXT = new Set(['style', 'script', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);
/** Character references for the characters HTML serialisation escapes. */
export const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '\u00a0': '&nbsp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** The children of `parent` as the HTML standard serialises them (innerHTML's getter). */
function serialiseChildren(parent: Node): string {
  const out: string[] = [];
  const walk = (p: Node): void => {
    const raw = p.nodeType === 1 && RAW_TEXT.has((p as Element).localName);
    for (let n = p.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3) out.push(raw ? (n as Text).data : (n as Text).data.replace(/[&\u00a0<>]/g, (c) => HTML_ESCAPES[c]!));
      else if (n.nodeType === 8) out.push(`<!--${(n as Comment).data}-->`);
      else if (n.nodeType === 1) {
        const el = n as Element;
        out.push('<', el.localName);
        for (const a of el.attributes) out.push(' ', a.name, '="', a.value.replace(/[&\u00a0"]/g, (c) => HTML_ESCAPES[c]!), '"');
        out.push('>');
        if (VOID_ELEMENTS.has(el.localName)) continue;
        walk(el);
        out.push('</', el.localName, '>');
      }
    }
  };
  walk(parent);
  return out.join('');
}

/**
 * Copies parse5's element and text nodes under `into` (a node of `doc`), without recursion (pages
 * can nest deeply). Comments and doctypes are dropped; a `<template>` stays empty, as its
 * contents are not its children in a browser either.
 */
function copyTree(from: DefaultTreeAdapterMap['parentNode'], into: Node, doc: Document): void {
  const stack: [P5Node, Node][] = [];
  for (let i = from.childNodes.length - 1; i >= 0; i--) stack.push([from.childNodes[i]!, into]);
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [node, parent] = top;
    if (node.nodeName === '#text') {
      parent.appendChild(doc.createTextNode((node as DefaultTreeAdapterMap['textNode']).value));
      continue;
    }
    if (!('tagName' in node)) continue;
    const el = node.namespaceURI === html5.NS.HTML ? doc.createElement(node.tagName) : doc.createElementNS(node.namespaceURI, node.tagName);
    // linkedom puts each new attribute first: set them last to first to keep the page's order.
    for (let i = node.attrs.length - 1; i >= 0; i--) {
      const a = node.attrs[i]!;
      el.setAttribute(a.prefix ? `${a.prefix}:${a.name}` : a.name, a.value);
    }
    parent.appendChild(el);
    if (node.tagName === 'template') continue;
    for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push([node.childNodes[i]!, el]);
  }
}

function rootChild(doc: Document, test: (localName: string) => boolean): HTMLElement | null {
  const root = doc.documentElement;
  if (root?.localName !== 'html') return null;
  for (let c = root.firstElementChild; c; c = c.nextElementSibling) if (test(c.localName)) return c as HTMLElement;
  return null;
}

function findFirst(root: Element | null, localName: string): Element | null {
  return root ? findDescendant(root, (el) => el.localName === localName) : null;
}

function invalidUrl(url: string, cause: unknown): PermanentError {
  return new PermanentError('invalid_url', `cannot use ${url} as page URL`, { cause });
}
