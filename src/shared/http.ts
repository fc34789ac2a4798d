// The one outbound HTTP client: GET over node:http(s) with everything the open web needs bounded:
// SSRF guard on every hop, manual redirects, connect and total timeouts, a byte cap applied to
// decompressed bytes, conditional GET, and HTTP status mapped onto PermanentError/RetryableError.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { PermanentError, RetryableError } from './errors.js';
import { createNetGuard, type NetGuard } from './net-guard.js';
import { decodeAs, detectCharset, isBinaryContentType, looksBinary, type DetectedCharset } from './content-type.js';
import { VERSION } from './version.js';

export {
  decodeBody,
  detectCharset,
  isBinaryContentType,
  isFeedContentType,
  isHtmlContentType,
  looksBinary,
  parseContentType,
} from './content-type.js';

export const DEFAULT_USER_AGENT = `newsflow/${VERSION} (+https://github.com/newsflow/newsflow)`;

export interface HttpGetOptions {
  /** Who may be connected to; default: a guard with an empty allow list (public addresses only). */
  guard?: NetGuard;
  userAgent?: string;
  accept?: string;
  /** Extra request headers (Authorization and Cookie are dropped on cross-host redirects). */
  headers?: Record<string, string>;
  /** Conditional GET: the ETag / Last-Modified remembered from the previous fetch. */
  ifNoneMatch?: string | null;
  ifModifiedSince?: string | null;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  /** Until the TCP connection is up, DNS included (default 10 s). */
  connectTimeoutMs?: number;
  /** For the whole exchange, redirects and body included (default 20 s). */
  timeoutMs?: number;
  /** Cap on the body after decompression (default 10 MiB). */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** The final URL, after redirects. */
  url: string;
  /** Every URL redirected to, in order (empty when there was no redirect). */
  redirects: string[];
  headers: http.IncomingHttpHeaders;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  /** Decompressed body; empty for 304. */
  body: Buffer;
  /** The body as received when its only Content-Encoding was gzip: `body`, compressed. */
  gzipped?: Buffer;
  /**
   * Decoded text (see decodeBody), when the body is textual rather than binary. Decoded on first
   * read: a caller that stores the bytes as they came (see `charset`) never pays for it.
   */
  readonly text?: string;
  /** The body's charset (see detectCharset), when it is textual. */
  charset?: DetectedCharset;
  /** True for a 304 answer to a conditional GET. */
  notModified?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Longest Retry-After honoured; beyond this a server is asking for something we won't do. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
const TLS_CERT_CODES = /^(CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT)/;

/** A textual response whose `text` is decoded once, when first read. */
function textResponse(res: Omit<HttpResponse, 'text' | 'charset'>, charset: DetectedCharset): HttpResponse {
  let text: string | undefined;
  return {
    ...res,
    charset,
    get text() {
      return (text ??= decodeAs(res.body, charset));
    },
  };
}

/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP-date; undefined if absent/bad. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

function statusError(status: number, url: string, headers: http.IncomingHttpHeaders): Error {
  const code = `http_${status}`;
  const where = `GET ${url} answered ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    return new RetryableError(code, where, parseRetryAfter(headers['retry-after']));
  }
  return new PermanentError(code, where);
}

function tooLarge(url: string, max: number): PermanentError {
  return new PermanentError('too_large', `body of ${url} is larger than the ${max}-byte limit (network.maxBytes)`);
}

/** zlib-wrapped or raw deflate, decided from the first bytes: servers send both as "deflate". */
class InflateAuto extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.inner) {
      const b0 = chunk[0] ?? 0;
      const wrapped = chunk.length >= 2 && (b0 & 0x0f) === 8 && ((b0 << 8) | (chunk[1] ?? 0)) % 31 === 0;
      const inner = wrapped ? zlib.createInflate() : zlib.createInflateRaw();
      inner.on('data', (d: Buffer) => this.push(d));
      inner.on('error', (e) => this.destroy(e));
      this.inner = inner;
    }
    this.inner.write(chunk, () => cb());
  }
  override _flush(cb: (err?: Error | null) => void): void {
    if (!this.inner) return cb();
    this.inner.once('end', () => cb());
    this.inner.end();
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }
}

/** The content codings a response lists, in the order applied (identity left out). */
function contentCodings(contentEncoding: string | undefined): string[] {
  return (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

function decoders(codings: readonly string[]): Transform[] {
  // Codings are listed in the order applied, so undo them from the last.
  return [...codings].reverse().map((c) => {
    if (c === 'gzip' || c === 'x-gzip') return zlib.createGunzip();
    if (c === 'deflate') return new InflateAuto();
    if (c === 'br') return zlib.createBrotliDecompress();
    throw new PermanentError('unsupported_encoding', `unsupported Content-Encoding: ${c}`);
  });
}

/** Counts bytes through a point in the pipeline and fails as soon as the cap is passed. */
function byteCap(max: number, fail: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) return cb(fail());
      cb(null, chunk);
    },
  });
}

interface Body {
  /** Decompressed. */
  bytes: Buffer;
  /** As received, when the only Content-Encoding was gzip. */
  gzip?: Buffer;
}

async function readBody(res: http.IncomingMessage, url: string, max: number, signal: AbortSignal): Promise<Body> {
  const declared = Number(res.headers['content-length']);
  const codings = contentCodings(res.headers['content-encoding']);
  if (codings.length === 0 && Number.isFinite(declared) && declared > max) throw tooLarge(url, max);
  if (codings.length === 0) return { bytes: await readPlain(res, url, max, signal) };
  const coded = decoders(codings);
  const wire: Buffer[] | null = codings.length === 1 && (codings[0] === 'gzip' || codings[0] === 'x-gzip') ? [] : null;
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  // The cap applies to bytes on the wire and again after every decoder (zip bombs).
  const stages: (Readable | Transform)[] = [res, byteCap(max, () => tooLarge(url, max))];
  if (wire) stages.push(new Transform({ transform: (chunk: Buffer, _enc, cb) => (wire.push(chunk), cb(null, chunk)) }));
  for (const d of coded) stages.push(d, byteCap(max, () => tooLarge(url, max)));
  await pipeline([...stages, sink] as unknown as [Readable, Writable], { signal });
  return { bytes: Buffer.concat(chunks), ...(wire ? { gzip: Buffer.concat(wire) } : {}) };
}

/** An uncompressed body, read straight off the socket (no stream stages to pay for). */
function readPlain(res: http.IncomingMessage, url: string, max: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    const done = (err: Error | null) => {
      res.off('data', onData).off('end', onEnd).off('error', done).off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err) {
        res.destroy();
        reject(err);
      } else resolve(Buffer.concat(chunks, seen));
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max) return done(tooLarge(url, max));
      chunks.push(chunk);
    };
    const onEnd = () => done(null);
    // A connection cut mid-body normally arrives as 'error' (ECONNRESET "aborted"); 'close'
    // before 'end' without one (a destroy with no error) is the same failure.
    const onClose = () => done(Object.assign(new Error('the connection closed before the body ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    res.on('data', onData).on('end', onEnd).on('error', done).on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface HopOptions {
  headers: Record<string, string>;
  guard: NetGuard;
  connectTimeoutMs: number;
  signal: AbortSignal;
}

function requestOnce(u: URL, o: HopOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      {
        method: 'GET',
        headers: o.headers,
        // No pooling: a pooled socket could outlive the guard that vetted it.
        agent: false,
        lookup: o.guard.lookup as unknown as net.LookupFunction,
        signal: o.signal,
      },
      resolve,
    );
    req.on('error', reject);
    req.on('socket', (socket: net.Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => req.destroy(new RetryableError('connect_timeout', `could not connect to ${u.host} within ${o.connectTimeoutMs} ms`)),
        o.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    req.end();
  });
}

function classifyNetworkError(err: unknown, url: string, signal: AbortSignal): Error {
  if (signal.aborted && signal.reason instanceof Error) return signal.reason;
  if (err instanceof PermanentError || err instanceof RetryableError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'unknown';
  if (TLS_CERT_CODES.test(code)) {
    return new PermanentError('tls_error', `TLS certificate problem for ${url}: ${code} (${e.message})`, { cause: err });
  }
  // Brotli reports corrupt input as ERR__ERROR_FORMAT_<what> (e.g. _PADDING_2).
  if (code.startsWith('Z_') || code === 'ERR_PADDING_1' || /^ERR__?(BROTLI|ZLIB|ERROR_FORMAT)/.test(code)) {
    return new RetryableError('bad_encoding', `could not decompress the body of ${url}: ${e.message}`, undefined, { cause: err });
  }
  return new RetryableError('network', `GET ${url} failed: ${code} ${e?.message ?? String(err)}`, undefined, { cause: err });
}

function checkTarget(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new PermanentError('invalid_url', `not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PermanentError('unsupported_scheme', `only http and https can be fetched, not ${u.protocol} (${raw})`);
  }
  return u;
}

/**
 * GET a URL. Resolves with 2xx and 304 responses; every other outcome is a PermanentError
 * (`http_404`, `too_large`, `blocked_address`, `redirect_loop`, `too_many_redirects`, …) or a
 * RetryableError (`http_503`, `http_429` with `retryAfterMs`, `timeout`, `network`, …).
 */
export async function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpResponse> {
  const guard = opts.guard ?? createNetGuard([]);
  const maxRedirects = opts.maxRedirects ?? 5;
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const ac = new AbortController();
  const timer = setTimeout(
    () => ac.abort(new RetryableError('timeout', `no complete response from ${url} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onAbort = () => ac.abort(new RetryableError('aborted', `GET ${url} was aborted`));
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const baseHeaders: Record<string, string> = {
    'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT,
    accept: opts.accept ?? '*/*',
    'accept-encoding': 'gzip, deflate, br',
    ...Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  if (opts.ifNoneMatch) baseHeaders['if-none-match'] = opts.ifNoneMatch;
  if (opts.ifModifiedSince) baseHeaders['if-modified-since'] = opts.ifModifiedSince;

  try {
    let current = checkTarget(url);
    const firstHost = current.host;
    const visited = new Set<string>([current.href]);
    const redirects: string[] = [];
    for (;;) {
      const host = current.hostname.replace(/^\[|\]$/g, '');
      // IP literals never reach `lookup`, so they are checked here, before any connect.
      if (net.isIP(host)) guard.assertPermitted(host, host);
      const headers = { ...baseHeaders };
      if (current.host !== firstHost) {
        delete headers.authorization;
        delete headers.cookie;
      }
      let res: http.IncomingMessage;
      try {
        res = await requestOnce(current, { headers, guard, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000, signal: ac.signal });
      } catch (err) {
        throw classifyNetworkError(err, current.href, ac.signal);
      }
      const status = res.statusCode ?? 0;
      const common = {
        status,
        url: current.href,
        redirects,
        headers: res.headers,
        contentType: res.headers['content-type'] ?? null,
        etag: (res.headers.etag as string | undefined) ?? null,
        lastModified: res.headers['last-modified'] ?? null,
      };
      if (REDIRECTS.has(status) && res.headers.location) {
        res.resume();
        if (redirects.length >= maxRedirects) {
          throw new PermanentError('too_many_redirects', `more than ${maxRedirects} redirects starting at ${url}`);
        }
        let next: URL;
        try {
          next = checkTarget(new URL(res.headers.location, current).href);
        } catch (err) {
          throw err instanceof PermanentError
            ? new PermanentError('bad_redirect', `${current.href} redirects to an unusable location: ${err.message}`)
            : err;
        }
        if (visited.has(next.href)) throw new PermanentError('redirect_loop', `redirect loop: ${[url, ...redirects, next.href].join(' -> ')}`);
        visited.add(next.href);
        redirects.push(next.href);
        current = next;
        continue;
      }
      if (status === 304) {
        res.resume();
        return { ...common, body: Buffer.alloc(0), notModified: true };
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw statusError(status, current.href, res.headers);
      }
      let read: Body;
      try {
        read = await readBody(res, current.href, maxBytes, ac.signal);
      } catch (err) {
        throw classifyNetworkError(err, current.href, ac.signal);
      }
      const body = read.bytes;
      const gz = read.gzip ? { gzipped: read.gzip } : {};
      if (isBinaryContentType(common.contentType) || looksBinary(body)) return { ...common, body, ...gz };
      return textResponse({ ...common, body, ...gz }, detectCharset(body, common.contentType));
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
