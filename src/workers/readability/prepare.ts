// Cheap string passes that run before jsdom sees a page: reject what is not an article page,
// drop elements that cost parse time and never hold article text, keep JSON-LD for metadata,
// and flatten pathological nesting so the DOM stays shallow enough to walk.
import { PermanentError } from '../../shared/errors.js';

/** The fetcher caps bodies at the same size. */
export const MAX_HTML_BYTES = 10 * 1024 * 1024;
/** Real pages stay under ~90 (measured over 1,030 crawled pages); Readability slows down with the
 * square of depth, so beyond this container tags are dropped and their text kept. */
export const MAX_DEPTH = 128;

const SAMPLE = 65_536;

export function assertLooksLikeHtml(html: string): void {
  // A string can hold at most 4 bytes per char; only measure when it might be over the cap.
  if (html.length > MAX_HTML_BYTES || (html.length > MAX_HTML_BYTES / 4 && Buffer.byteLength(html) > MAX_HTML_BYTES)) {
    throw new PermanentError('too_large', `page is larger than ${MAX_HTML_BYTES} bytes`);
  }
  if (!/\S/.test(html)) throw new PermanentError('empty', 'page body is empty');
  const sample = html.slice(0, SAMPLE);
  let control = 0;
  let nul = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) nul++;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0xfffd) control++;
  }
  // Binary formats are full of NULs; a real page may carry a stray run of them (a CMS glitch),
  // which the HTML parser drops. More than one per thousand characters is not text.
  if (nul / sample.length > 0.001) throw new PermanentError('binary', 'page contains NUL bytes (binary content)');
  if (control / sample.length > 0.05) {
    throw new PermanentError('binary', 'page is mostly control or undecodable characters (binary content)');
  }
  if (!/<(?:!doctype\s+html|html|head|body|meta|title|div|p|article|main|section|span|a|h[1-6]|table|ul|br|img)[\s>/]/i.test(html)) {
    throw new PermanentError('not_html', 'page has no HTML markup');
  }
}

export interface PreparedHtml {
  html: string;
  /** Bodies of `<script type="application/ld+json">` blocks, in page order. */
  jsonLd: string[];
}

// Elements removed with their content. svg/math may be self-closing (foreign content).
const DROP_OPEN = /<!--|<(script|style|noscript|svg|math|template|iframe|object|select|button)\b[^>]*>/gi;
const CLOSERS: Record<string, RegExp> = {};
function closer(tag: string): RegExp {
  return (CLOSERS[tag] ??= new RegExp(`</${tag}\\s*>`, 'gi'));
}
// Inline styles are dropped (costly to parse, Readability only asks them "hidden?"); a
// hiding style becomes the `hidden` attribute, which Readability and our walker both honour.
const STYLE_ATTR = /\sstyle\s*=\s*("[^"]*"|'[^']*')/gi;
const HIDING = /display\s*:\s*none|visibility\s*:\s*hidden/i;

/**
 * Where a comment whose `<!--` ends at `start` ends, as an HTML parser reads it: `<!-->` and
 * `<!--->` are complete empty comments, otherwise the first `-->` or `--!>` closes it, and an
 * unclosed comment runs to the end of the page.
 */
function commentEnd(html: string, start: number): number {
  if (html.startsWith('>', start)) return start + 1;
  if (html.startsWith('->', start)) return start + 2;
  const plain = html.indexOf('-->', start);
  const bang = html.indexOf('--!>', start);
  if (bang >= 0 && (plain < 0 || bang < plain)) return bang + 4;
  return plain < 0 ? html.length : plain + 3;
}

export function stripHeavyElements(html: string): PreparedHtml {
  const jsonLd: string[] = [];
  const out: string[] = [];
  let last = 0;
  DROP_OPEN.lastIndex = 0;
  for (let m = DROP_OPEN.exec(html); m; m = DROP_OPEN.exec(html)) {
    out.push(html.slice(last, m.index));
    const start = m.index + m[0].length;
    if (m[0] === '<!--') {
      last = commentEnd(html, start);
    } else {
      const tag = (m[1] ?? '').toLowerCase();
      if ((tag === 'svg' || tag === 'math') && m[0].endsWith('/>')) {
        last = start;
      } else {
        const re = closer(tag);
        re.lastIndex = start;
        const c = re.exec(html);
        const end = c ? c.index : html.length;
        if (tag === 'script' && /ld\+json/i.test(m[0])) jsonLd.push(html.slice(start, end));
        last = c ? c.index + c[0].length : html.length;
      }
    }
    DROP_OPEN.lastIndex = last;
  }
  out.push(html.slice(last));
  const stripped = out.join('').replace(STYLE_ATTR, (_, v: string) => (HIDING.test(v) ? ' hidden' : ''));
  return { html: flattenDeepNesting(stripped), jsonLd };
}

const VOID = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr',
  // End tags that may be omitted: counting them would make the depth drift on valid pages.
  'p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'tbody', 'thead', 'tfoot', 'option', 'optgroup', 'rp', 'rt',
  'html', 'head', 'body', 'colgroup', 'caption',
]);
const TAG = /<(\/?)([a-zA-Z][^\s/>]*)[^>]*>/g;

/**
 * Drops start and end tags nested deeper than MAX_DEPTH (their text stays). jsdom and
 * Readability recurse over the tree; 100,000 nested divs would overflow the stack.
 */
export function flattenDeepNesting(html: string, maxDepth = MAX_DEPTH): string {
  let depth = 0;
  let out: string[] | null = null;
  let last = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m; m = TAG.exec(html)) {
    const name = (m[2] ?? '').toLowerCase();
    if (VOID.has(name) || m[0].endsWith('/>')) continue;
    const closing = m[1] === '/';
    const tooDeep = closing ? depth > maxDepth : depth + 1 > maxDepth;
    depth = closing ? Math.max(0, depth - 1) : depth + 1;
    if (!tooDeep) continue;
    out ??= [];
    out.push(html.slice(last, m.index));
    last = m.index + m[0].length;
  }
  if (!out) return html;
  out.push(html.slice(last));
  return out.join('');
}
