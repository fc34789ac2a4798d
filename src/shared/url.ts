// URL identity for the pipeline: the canonical form two links to the same article share, the
// job-id-safe article id derived from it, and safe resolution of hrefs found in feeds and pages.
import { createHash } from 'node:crypto';
import { PermanentError } from './errors.js';

/**
 * Query parameters that only say where a click came from, never what the page is. Matched
 * case-insensitively; names ending in `_` (like `utm_`) are prefixes.
 *
 * - `utm_*`: Google Analytics campaign tags (source, medium, campaign, term, content, id…)
 * - `fbclid`, `gclid`, `gclsrc`, `dclid`, `msclkid`, `yclid`, `twclid`, `ttclid`, `li_fat_id`,
 *   `igshid`, `wbraid`, `gbraid`: ad-network / social click ids
 * - `mc_cid`, `mc_eid`: Mailchimp; `_hsenc`, `_hsmi`, `hsctatracking`: HubSpot;
 *   `mkt_tok`: Marketo; `oly_anon_id`, `oly_enc_id`: Omeda; `vero_id`, `vero_conv`: Vero;
 *   `__s`: Drip; `ck_subscriber_id`: Kit; `rb_clickid`: Rakuten
 * - `_ga`, `_gl`: Google cross-domain linker
 * - `ref_src`, `ref_url`: Twitter/X embeds; `cmpid`, `ocid`, `icid`, `ncid`, `sr_share`,
 *   `smid`: publishers' own campaign ids. Plain `cid`, `ref` and `source` are deliberately kept:
 *   too many sites use them as real content ids.
 * - `ito`, `at_medium`, `at_campaign`, `at_custom1`..: AT Internet (BBC and others): `at_` prefix
 * - `s_cid`: Adobe; `spm`: Alibaba; `ns_mchannel`, `ns_source`, `ns_campaign`, `ns_linkname`,
 *   `ns_fee`: comScore (`ns_` prefix)
 */
export const TRACKING_PARAMS: readonly string[] = [
  'utm_', 'at_', 'ns_',
  'fbclid', 'gclid', 'gclsrc', 'dclid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'li_fat_id',
  'igshid', 'wbraid', 'gbraid',
  'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'hsctatracking', 'mkt_tok', 'oly_anon_id', 'oly_enc_id',
  'vero_id', 'vero_conv', '__s', 'ck_subscriber_id', 'rb_clickid',
  '_ga', '_gl', 'ref_src', 'ref_url', 'cmpid', 'ocid', 'icid', 'ncid', 'sr_share', 'smid', 'ito',
  's_cid', 'spm',
];

export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return TRACKING_PARAMS.some((p) => (p.endsWith('_') && p.length > 2 ? n.startsWith(p) : n === p));
}

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * The form two links to the same article share: lower-case scheme and host (the WHATWG parser
 * does that, plus IDN to punycode and default-port removal), no fragment, no trailing dot on the
 * host, tracking parameters removed, the rest sorted by name (values of one name keep their
 * order) with their original encoding, and no bare `?`. Path case is kept: paths are
 * case-sensitive on most servers. Throws PermanentError('invalid_url') on anything that is not
 * an absolute http(s) URL.
 */
export function canonicalUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new PermanentError('invalid_url', `not a valid absolute URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PermanentError('invalid_url', `only http(s) URLs have a canonical form, got ${u.protocol}`);
  }
  u.hash = '';
  u.username = '';
  u.password = '';
  if (u.hostname.endsWith('.')) u.hostname = u.hostname.replace(/\.+$/, '');
  // Work on the raw pairs so values keep the exact encoding the publisher used.
  const pairs = u.search
    .slice(1)
    .split('&')
    .filter((p) => p !== '')
    .map((raw) => ({ raw, key: decodeKey(raw.split('=')[0] ?? '') }))
    .filter((p) => !isTrackingParam(p.key));
  pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  u.search = pairs.length ? `?${pairs.map((p) => p.raw).join('&')}` : '';
  return u.href;
}

/**
 * Stable article id: `a` + the first 20 hex chars of sha1(canonicalUrl). Safe as a BullMQ job
 * id (no `:`, never all digits) and short enough for keys; 80 bits makes collisions negligible
 * at any realistic archive size.
 */
export function articleId(url: string): string {
  const hex = createHash('sha1').update(canonicalUrl(url)).digest('hex');
  return `a${hex.slice(0, 20)}`;
}

/**
 * Resolve an href found in a feed or page against its base. Returns null (never throws) for
 * anything that is not an http(s) URL afterwards: invalid input, `javascript:`, `data:`,
 * `file:`, `mailto:`, an empty href, or an invalid base.
 */
export function resolveUrl(href: string | null | undefined, base?: string | null): string | null {
  if (typeof href !== 'string') return null;
  const h = href.trim();
  if (h === '') return null;
  try {
    const u = base ? new URL(h, base) : new URL(h);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.hostname === '') return null;
    return u.href;
  } catch {
    return null;
  }
}
