import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { httpGet, parseRetryAfter, DEFAULT_USER_AGENT, type HttpGetOptions } from '../../../src/shared/http.js';
import { createNetGuard } from '../../../src/shared/net-guard.js';
import { PermanentError, RetryableError } from '../../../src/shared/errors.js';
import { behave, startMisbehavingServer, type MisbehavingServer } from '../../helpers/misbehaving-server.js';

let srv: MisbehavingServer;
const local: HttpGetOptions = { guard: createNetGuard(['127.0.0.1']), timeoutMs: 5_000 };

async function failure(p: Promise<unknown>): Promise<PermanentError | RetryableError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PermanentError || err instanceof RetryableError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  srv = await startMisbehavingServer({
    '/ok': behave.body('hello', 'text/plain; charset=utf-8', { etag: '"abc"' }),
    '/slow-headers': behave.slowHeaders(3_000),
    '/trickle': behave.trickle(50),
    '/trickle-until-close': behave.trickleUntilClose(50),
    '/huge': behave.huge(3 * 1024 * 1024),
    '/huge-declared': behave.huge(3 * 1024 * 1024, { declareLength: true }),
    '/gzip': behave.compressed('gzipped body', 'gzip'),
    '/deflate': behave.compressed('zlib deflate body', 'deflate'),
    '/deflate-raw': behave.compressed('raw deflate body', 'deflate-raw'),
    '/br': behave.compressed('brotli body', 'br'),
    '/bomb': behave.gzipBomb(64 * 1024 * 1024),
    '/br-garbage': (_req, res) => void res.writeHead(200, { 'content-encoding': 'br' }).end('not brotli at all'),
    '/chain/*': behave.redirectChain(),
    '/loop-a': behave.redirect('/loop-b'),
    '/loop-b': behave.redirect('/loop-a'),
    '/to-private': behave.redirect('http://10.0.0.1/admin'),
    '/to-metadata': behave.redirect('http://169.254.169.254/latest/meta-data/'),
    '/to-decimal-loopback': behave.redirect('http://2130706433/'),
    '/to-file': behave.redirect('file:///etc/passwd'),
    '/429-seconds': behave.status(429, { 'retry-after': '120' }),
    '/429-date': behave.status(429, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }),
    '/503': behave.status(503, { 'retry-after': '30' }),
    '/500': behave.status(500),
    '/404': behave.status(404),
    '/410': behave.status(410),
    '/403': behave.status(403),
    '/451': behave.status(451),
    '/408': behave.status(408),
    '/feed': behave.conditional('<rss version="2.0"><channel><title>t</title></channel></rss>'),
    '/truncated': behave.truncated('only half'),
    '/echo-ua': (req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(req.headers['user-agent']),
    '/octet-feed': behave.body('<rss version="2.0"></rss>', 'application/octet-stream'),
    '/png': behave.body(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]), 'image/png'),
  });
});
afterAll(async () => {
  await srv.close();
});

describe('httpGet: ordinary answers', () => {
  it('returns status, final url, headers, body and decoded text', async () => {
    const r = await httpGet(srv.url('/ok'), local);
    expect(r.status).toBe(200);
    expect(r.url).toBe(srv.url('/ok'));
    expect(r.body.toString()).toBe('hello');
    expect(r.text).toBe('hello');
    expect(r.etag).toBe('"abc"');
    expect(r.redirects).toEqual([]);
  });

  it('sends a clear User-Agent, configurable', async () => {
    expect((await httpGet(srv.url('/echo-ua'), local)).text).toBe(DEFAULT_USER_AGENT);
    expect(DEFAULT_USER_AGENT).toMatch(/^newsflow\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/newsflow\/newsflow\)$/);
    expect((await httpGet(srv.url('/echo-ua'), { ...local, userAgent: 'custom/1' })).text).toBe('custom/1');
  });

  it('decodes a text body even when it is labelled application/octet-stream', async () => {
    expect((await httpGet(srv.url('/octet-feed'), local)).text).toBe('<rss version="2.0"></rss>');
  });

  it('gives no text for binary bodies', async () => {
    const r = await httpGet(srv.url('/png'), local);
    expect(r.body.length).toBe(11);
    expect(r.text).toBeUndefined();
  });
});

describe('httpGet: timeouts and caps', () => {
  it('gives up on slow headers at the total timeout', async () => {
    const t0 = Date.now();
    const err = await failure(httpGet(srv.url('/slow-headers'), { ...local, timeoutMs: 300 }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('gives up on a body that trickles forever', async () => {
    const err = await failure(httpGet(srv.url('/trickle'), { ...local, timeoutMs: 300 }));
    expect(err.code).toBe('timeout');
  });

  it('gives up on a connection that never comes up at the connect timeout', async () => {
    // A guard whose DNS step never answers stands in for an unreachable host, without sending
    // a packet anywhere.
    const stuck = { ...createNetGuard([]), lookup: () => undefined };
    const t0 = Date.now();
    const err = await failure(httpGet('http://stuck.invalid/', { guard: stuck, connectTimeoutMs: 200, timeoutMs: 5_000 }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('connect_timeout');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('honours an AbortSignal', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await failure(httpGet(srv.url('/slow-headers'), { ...local, signal: ac.signal }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('aborted');
  });

  it.each(['/trickle', '/trickle-until-close'])('honours an AbortSignal in the middle of a body (%s)', async (path) => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const err = await failure(httpGet(srv.url(path), { ...local, signal: ac.signal }));
    expect(err.code).toBe('aborted');
  });

  it('times out a body that ends only when the connection closes, rather than keeping what came', async () => {
    const err = await failure(httpGet(srv.url('/trickle-until-close'), { ...local, timeoutMs: 300 }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('timeout');
  });

  it('stops reading a streamed body as soon as it passes the cap', async () => {
    const err = await failure(httpGet(srv.url('/huge'), { ...local, maxBytes: 256 * 1024 }));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.code).toBe('too_large');
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    const err = await failure(httpGet(srv.url('/huge-declared'), { ...local, maxBytes: 1024 }));
    expect(err.code).toBe('too_large');
  });

  it('reports a connection cut mid-body as retryable', async () => {
    const err = await failure(httpGet(srv.url('/truncated'), local));
    expect(err).toBeInstanceOf(RetryableError);
  });
});

describe('httpGet: compression', () => {
  it.each([
    ['/gzip', 'gzipped body'],
    ['/deflate', 'zlib deflate body'],
    ['/deflate-raw', 'raw deflate body'],
    ['/br', 'brotli body'],
  ])('decodes %s', async (path, expected) => {
    expect((await httpGet(srv.url(path), local)).text).toBe(expected);
  });

  it('keeps the wire bytes of a gzip body (and only of gzip)', async () => {
    const gz = await httpGet(srv.url('/gzip'), local);
    expect(gz.gzipped).toBeInstanceOf(Buffer);
    expect(gunzipSync(gz.gzipped!).equals(gz.body)).toBe(true);
    expect((await httpGet(srv.url('/br'), local)).gzipped).toBeUndefined();
    expect((await httpGet(srv.url('/echo-ua'), local)).gzipped).toBeUndefined();
  });

  it('applies the cap to decompressed bytes (gzip bomb)', async () => {
    const before = process.memoryUsage().rss;
    const err = await failure(httpGet(srv.url('/bomb'), { ...local, maxBytes: 1024 * 1024 }));
    expect(err.code).toBe('too_large');
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('reports a corrupt brotli body as bad_encoding, not a network failure', async () => {
    const err = await failure(httpGet(srv.url('/br-garbage'), local));
    expect(err.code).toBe('bad_encoding');
  });
});

describe('httpGet: redirects', () => {
  it('follows five redirects', async () => {
    const r = await httpGet(srv.url('/chain/5'), local);
    expect(r.text).toBe('end of chain');
    expect(r.url).toBe(srv.url('/chain/0'));
    expect(r.redirects).toHaveLength(5);
    expect(srv.hits('/chain/3')).toBeGreaterThanOrEqual(1);
  });

  it('refuses the sixth', async () => {
    const err = await failure(httpGet(srv.url('/chain/6'), local));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.code).toBe('too_many_redirects');
  });

  it('detects a loop', async () => {
    const err = await failure(httpGet(srv.url('/loop-a'), local));
    expect(err.code).toBe('redirect_loop');
  });

  it.each(['/to-private', '/to-metadata', '/to-decimal-loopback'])(
    'refuses %s before connecting when only 127.0.0.1 is allowed by name',
    async (path) => {
      const guard = createNetGuard(['localhost']);
      const url = srv.url(path).replace('127.0.0.1', 'localhost');
      const err = await failure(httpGet(url, { ...local, guard }));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err.code).toBe('blocked_address');
      expect(err.message).toContain('network.allow');
    },
  );

  it('refuses a redirect to 10.0.0.1 even with 127.0.0.1 allowed by IP', async () => {
    const err = await failure(httpGet(srv.url('/to-private'), local));
    expect(err.code).toBe('blocked_address');
    expect(err.message).toContain('10.0.0.1');
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const err = await failure(httpGet(srv.url('/to-file'), local));
    expect(err.code).toBe('bad_redirect');
  });
});

describe('httpGet: status mapping', () => {
  it('429 with Retry-After seconds is retryable after that long', async () => {
    const err = await failure(httpGet(srv.url('/429-seconds'), local));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('http_429');
    expect((err as RetryableError).retryAfterMs).toBe(120_000);
  });

  it('429 with Retry-After as an HTTP-date', async () => {
    const err = (await failure(httpGet(srv.url('/429-date'), local))) as RetryableError;
    expect(err.retryAfterMs).toBeGreaterThan(50_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('503 is retryable, with Retry-After', async () => {
    const err = (await failure(httpGet(srv.url('/503'), local))) as RetryableError;
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.retryAfterMs).toBe(30_000);
    expect((await failure(httpGet(srv.url('/500'), local))).code).toBe('http_500');
    expect(await failure(httpGet(srv.url('/408'), local))).toBeInstanceOf(RetryableError);
  });

  it.each(['/404', '/410', '/403', '/451', '/nowhere'])('%s is permanent', async (path) => {
    const err = await failure(httpGet(srv.url(path), local));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.code).toMatch(/^http_4\d\d$/);
  });

  it('a refused connection is retryable', async () => {
    const dead = await startMisbehavingServer();
    const url = dead.url('/');
    await dead.close();
    const err = await failure(httpGet(url, local));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('network');
  });

  it('parseRetryAfter handles seconds, dates, junk, and caps absurd values', () => {
    const now = Date.parse('2024-03-05T12:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5_000);
    expect(parseRetryAfter('Tue, 05 Mar 2024 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Tue, 05 Mar 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('99999999', now)).toBe(24 * 60 * 60 * 1000);
  });
});

describe('httpGet: conditional GET', () => {
  it('sends ETag / Last-Modified back and reports 304 as notModified', async () => {
    const first = await httpGet(srv.url('/feed'), local);
    expect(first.status).toBe(200);
    expect(first.etag).toBe('"v1"');
    const again = await httpGet(srv.url('/feed'), { ...local, ifNoneMatch: first.etag, ifModifiedSince: first.lastModified });
    expect(again.status).toBe(304);
    expect(again.notModified).toBe(true);
    expect(again.body.length).toBe(0);
    const last = srv.requests.filter((r) => r.path === '/feed').at(-1);
    expect(last?.headers['if-none-match']).toBe('"v1"');
  });
});

describe('httpGet: scheme and SSRF checks', () => {
  it('refuses non-http schemes', async () => {
    expect((await failure(httpGet('file:///etc/passwd'))).code).toBe('unsupported_scheme');
    expect((await failure(httpGet('ftp://example.com/'))).code).toBe('unsupported_scheme');
    expect((await failure(httpGet('not a url'))).code).toBe('invalid_url');
  });

  it('blocks loopback by default, including names that resolve to it', async () => {
    const hitsBefore = srv.hits('/ok');
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]']) {
      const err = await failure(httpGet(`http://${host}:${srv.port}/ok`, { timeoutMs: 2_000 }));
      expect(err.code, host).toBe('blocked_address');
    }
    expect(srv.hits('/ok')).toBe(hitsBefore);
  });

  it('blocks the metadata address without sending a packet', async () => {
    const t0 = Date.now();
    const err = await failure(httpGet('http://169.254.169.254/latest/meta-data/', local));
    expect(err.code).toBe('blocked_address');
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('lets a hostname allowed by name through', async () => {
    const r = await httpGet(`http://localhost:${srv.port}/ok`, { guard: createNetGuard(['localhost']) });
    expect(r.text).toBe('hello');
  });
});
