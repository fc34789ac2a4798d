// What a fetched body is and how to turn its bytes into text: charset sniffing (BOM, header,
// <meta>, XML declaration, then a UTF-8 validity check) and cheap content classification.
// Node's full ICU makes TextDecoder cover every WHATWG encoding label.
import { isUtf8 } from 'node:buffer';

export type CharsetSource = 'bom' | 'header' | 'meta' | 'xml' | 'utf8-valid' | 'fallback';

export interface DetectedCharset {
  /** A label TextDecoder accepts, e.g. `utf-8`, `windows-1252`, `shift_jis`. */
  charset: string;
  source: CharsetSource;
  /** Bytes to skip at the start (a byte-order mark). */
  bomLength: number;
}

/** How far into a body to look for `<meta charset>` / `<?xml encoding>` (the HTML spec's 1024, doubled). */
const SNIFF_BYTES = 4096;

/** The media type (lower-case, no parameters) and charset parameter of a Content-Type value. */
export function parseContentType(value: string | null | undefined): { mediaType: string; charset: string | null } {
  if (!value) return { mediaType: '', charset: null };
  const [type = '', ...params] = value.split(';');
  let charset: string | null = null;
  for (const p of params) {
    const m = /^\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(p);
    if (m?.[1]) charset = m[1];
  }
  return { mediaType: type.trim().toLowerCase(), charset };
}

/** The canonical TextDecoder name for a label, or null when TextDecoder does not know it. */
export function normaliseCharset(label: string | null | undefined): string | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

function sniffBom(buf: Uint8Array): DetectedCharset | null {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { charset: 'utf-8', source: 'bom', bomLength: 3 };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { charset: 'utf-16be', source: 'bom', bomLength: 2 };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { charset: 'utf-16le', source: 'bom', bomLength: 2 };
  return null;
}

/** Charset declared in the document itself: `<meta charset>`, `<meta http-equiv>`, `<?xml encoding>`. */
function sniffDeclared(buf: Uint8Array): { charset: string; source: 'meta' | 'xml' } | null {
  // Declarations are ASCII in every ASCII-compatible encoding, so latin1 is a safe lens.
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.byteLength, SNIFF_BYTES)).toString('latin1');
  const xml = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml?.[1]) {
    const c = normaliseCharset(xml[1]);
    if (c) return { charset: asciiCompatible(c), source: 'xml' };
  }
  for (const m of head.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = m[0];
    // <meta name=… content="…charset=…"> is prose, not a declaration.
    if (/\bname\s*=/i.test(tag) && !/http-equiv/i.test(tag)) continue;
    const declared = /charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag);
    const c = normaliseCharset(declared?.[1]);
    if (c) return { charset: asciiCompatible(c), source: 'meta' };
  }
  return null;
}

/** A document that could declare its charset in ASCII is not UTF-16 (HTML spec rule). */
function asciiCompatible(charset: string): string {
  return charset.startsWith('utf-16') ? 'utf-8' : charset;
}

/**
 * Work out a body's charset, in the order browsers use: BOM, then the Content-Type header, then
 * a declaration in the first 4 KB (`<meta charset>`, `<meta http-equiv=Content-Type>`,
 * `<?xml encoding=…?>`). With nothing declared, bytes that are valid UTF-8 are UTF-8, anything
 * else is windows-1252 (what legacy pages without a declaration almost always are). Unknown
 * labels are skipped, never fatal.
 */
export function detectCharset(buf: Uint8Array, contentType?: string | null): DetectedCharset {
  const bom = sniffBom(buf);
  if (bom) return bom;
  const fromHeader = normaliseCharset(parseContentType(contentType).charset);
  if (fromHeader) return { charset: fromHeader, source: 'header', bomLength: 0 };
  const declared = sniffDeclared(buf);
  if (declared) return { ...declared, bomLength: 0 };
  // Validated without decoding: a fatal TextDecoder built the whole string only to drop it.
  if (isUtf8(buf)) return { charset: 'utf-8', source: 'utf8-valid', bomLength: 0 };
  return { charset: 'windows-1252', source: 'fallback', bomLength: 0 };
}

/** windows-1252's 0x80-0x9F, where it differs from ISO-8859-1 (0 = unassigned, kept as is). */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/**
 * Node 20's TextDecoder decodes the `windows-1252` label (which WHATWG also gives `latin1`,
 * `iso-8859-1` and `ascii`) as plain ISO-8859-1, turning curly quotes and dashes into C1 control
 * characters; the bytes that differ are mapped here.
 */
function decodeWindows1252(buf: Uint8Array): string {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
  return text.replace(/[\u0080-\u009f]/g, (c) => {
    const mapped = CP1252_HIGH[c.charCodeAt(0) - 0x80];
    return mapped ? String.fromCharCode(mapped) : c;
  });
}

/** Decode a fetched body to text (see detectCharset); invalid sequences become U+FFFD. */
export function decodeBody(buf: Uint8Array, contentType?: string | null): string {
  return decodeAs(buf, detectCharset(buf, contentType));
}

/** Decode a body in a charset already detected for it (the BOM, if any, skipped). */
export function decodeAs(buf: Uint8Array, { charset, bomLength }: DetectedCharset): string {
  const body = buf.subarray(bomLength);
  if (charset === 'windows-1252') return decodeWindows1252(body);
  return new TextDecoder(charset, { fatal: false, ignoreBOM: true }).decode(body);
}

export function isHtmlContentType(contentType: string | null | undefined): boolean {
  const { mediaType } = parseContentType(contentType);
  return mediaType === 'text/html' || mediaType === 'application/xhtml+xml';
}

/** Media types a feed may arrive as (servers are sloppy, so generic XML and text count too). */
export function isFeedContentType(contentType: string | null | undefined): boolean {
  const { mediaType } = parseContentType(contentType);
  return (
    /^(application|text)\/((rss|atom|rdf|feed)\+)?xml$/.test(mediaType) ||
    mediaType === 'application/feed+json' ||
    mediaType === 'application/json' ||
    mediaType === 'text/plain'
  );
}

/**
 * Media types that are never text, whatever the bytes look like. Anything else that passes
 * looksBinary is decoded: servers label feeds application/octet-stream more often than one
 * would hope.
 */
export function isBinaryContentType(contentType: string | null | undefined): boolean {
  const { mediaType } = parseContentType(contentType);
  return /^(image|audio|video|font)\//.test(mediaType) || /^application\/(pdf|zip|gzip|x-gzip|x-tar|msword|vnd\.|wasm)/.test(mediaType);
}

/** Media types we can turn into text at all. */
export function isTextualContentType(contentType: string | null | undefined): boolean {
  const { mediaType } = parseContentType(contentType);
  if (mediaType === '') return true;
  return mediaType.startsWith('text/') || /[/+](xml|json)$/.test(mediaType) || mediaType === 'application/xhtml+xml';
}

const MAGIC: readonly number[][] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0xff, 0xd8, 0xff], // JPEG
  [0x25, 0x50, 0x44, 0x46], // %PDF
  [0x50, 0x4b, 0x03, 0x04], // ZIP (docx, epub…)
  [0x1f, 0x8b], // gzip (served without Content-Encoding)
  [0x52, 0x49, 0x46, 0x46], // RIFF (webp, wav)
  [0x00, 0x00, 0x00], // MP4 / ISO-BMFF box length, and other NUL-led formats
];

/**
 * Whether a body is binary rather than text, whatever its Content-Type says: a known file
 * signature, or NUL bytes in the first 1 KB (UTF-16 text with a BOM is text).
 */
export function looksBinary(buf: Uint8Array): boolean {
  if (buf.byteLength === 0) return false;
  if (sniffBom(buf)?.charset.startsWith('utf-16')) return false;
  if (MAGIC.some((sig) => sig.every((b, i) => buf[i] === b))) return true;
  const n = Math.min(buf.byteLength, 1024);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}
