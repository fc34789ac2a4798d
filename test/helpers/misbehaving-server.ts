// A local HTTP server on 127.0.0.1 whose routes misbehave on purpose (slow, huge, compressed,
// bombs, redirect chains, odd charsets, 429s…), for testing fetch code against the open web's
// worst without leaving this machine. Routes are registered per path; hits are counted per path.
//
//   const srv = await startMisbehavingServer({ '/feed.xml': b.body(xml, 'application/rss+xml') });
//   srv.route('/slow', b.slowBody('x'.repeat(10), 5_000));
//   await httpGet(srv.url('/feed.xml'), { guard: createNetGuard(['127.0.0.1']) });
//   expect(srv.hits('/feed.xml')).toBe(1);
//   await srv.close();
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface HandlerContext {
  server: MisbehavingServer;
  /** Run `fn` after `ms`; cancelled by close(), so slow routes never outlive the test. */
  later(ms: number, fn: () => void): void;
  sleep(ms: number): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, ctx: HandlerContext) => void | Promise<void>;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface MisbehavingServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  port: number;
  url(path: string): string;
  /** Register (or replace) a route. `path` matches the pathname exactly, or a prefix if it ends in `*`. */
  route(path: string, handler: Handler): void;
  /** How many requests reached `path` (pathname, without the query). */
  hits(path: string): number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startMisbehavingServer(routes: Record<string, Handler> = {}): Promise<MisbehavingServer> {
  const table = new Map<string, Handler>(Object.entries(routes));
  const counts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const find = (path: string): Handler | undefined => {
    const exact = table.get(path);
    if (exact) return exact;
    let best: [string, Handler] | undefined;
    for (const [k, h] of table) {
      if (k.endsWith('*') && path.startsWith(k.slice(0, -1)) && (!best || k.length > best[0].length)) best = [k, h];
    }
    return best?.[1];
  };

  let self: MisbehavingServer;
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    const handler = find(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such route');
      return;
    }
    const ctx: HandlerContext = { server: self, later, sleep: (ms) => new Promise((resolve) => later(ms, resolve)) };
    Promise.resolve(handler(req, res, ctx)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });
  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  self = {
    baseUrl,
    port,
    url: (path) => `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}`,
    route: (path, handler) => void table.set(path, handler),
    hits: (path) => counts.get(path) ?? 0,
    requests,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return self;
}

/** Ready-made misbehaviours. Each returns a Handler. */
export const behave = {
  /** A plain, well-behaved answer. */
  body(content: string | Buffer, contentType = 'text/plain; charset=utf-8', headers: http.OutgoingHttpHeaders = {}): Handler {
    return (_req, res) => void res.writeHead(200, { 'content-type': contentType, ...headers }).end(content);
  },
  status(code: number, headers: http.OutgoingHttpHeaders = {}, content = ''): Handler {
    return (_req, res) => void res.writeHead(code, headers).end(content);
  },
  /** Headers arrive only after `ms`. */
  slowHeaders(ms: number, content = 'late'): Handler {
    return async (_req, res, ctx) => {
      await ctx.sleep(ms);
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end(content);
    };
  },
  /** Headers at once, then one byte every `intervalMs`, forever (until the client gives up). */
  trickle(intervalMs = 100): Handler {
    return (_req, res, ctx) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const tick = () => {
        if (res.destroyed) return;
        res.write('x');
        ctx.later(intervalMs, tick);
      };
      tick();
    };
  },
  /**
   * Like trickle, but written raw on the socket with neither Content-Length nor chunking: the
   * body ends only when the connection closes (HTTP/1.0 style), so a client that stops reading
   * early could mistake what it has for the whole body.
   */
  trickleUntilClose(intervalMs = 100): Handler {
    return (req, res, ctx) => {
      const socket = req.socket;
      res.detachSocket(socket);
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n');
      const tick = () => {
        if (socket.destroyed) return;
        socket.write('x');
        ctx.later(intervalMs, tick);
      };
      tick();
    };
  },
  /** `bytes` bytes of text, streamed in 64 KiB chunks; optionally without Content-Length. */
  huge(bytes: number, { declareLength = false } = {}): Handler {
    return (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', ...(declareLength ? { 'content-length': bytes } : {}) });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < bytes && !res.destroyed) {
          const n = Math.min(chunk.length, bytes - sent);
          sent += n;
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    };
  },
  /** `content` compressed with `encoding` (deflate-raw sends raw deflate labelled "deflate"). */
  compressed(content: string | Buffer, encoding: 'gzip' | 'deflate' | 'deflate-raw' | 'br', contentType = 'text/plain; charset=utf-8'): Handler {
    const buf = Buffer.from(content);
    const packed =
      encoding === 'gzip' ? zlib.gzipSync(buf)
      : encoding === 'deflate' ? zlib.deflateSync(buf)
      : encoding === 'deflate-raw' ? zlib.deflateRawSync(buf)
      : zlib.brotliCompressSync(buf);
    const label = encoding === 'deflate-raw' ? 'deflate' : encoding;
    return (_req, res) => void res.writeHead(200, { 'content-type': contentType, 'content-encoding': label }).end(packed);
  },
  /** A small gzip body that inflates to `inflatedBytes` zeros. */
  gzipBomb(inflatedBytes: number): Handler {
    const packed = zlib.gzipSync(Buffer.alloc(inflatedBytes), { level: 9 });
    return (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(packed);
  },
  /** Redirect to `location` (absolute or relative). */
  redirect(location: string, code = 302): Handler {
    return (_req, res) => void res.writeHead(code, { location }).end();
  },
  /**
   * Mount at `/chain/*`: `/chain/<n>` redirects to `/chain/<n-1>`, `/chain/0` answers `final`.
   * So `/chain/5` takes exactly five redirects.
   */
  redirectChain(final: Handler = behave.body('end of chain')): Handler {
    return (req, res, ctx) => {
      const n = Number(new URL(req.url ?? '/', 'http://x').pathname.split('/').pop());
      if (!(n > 0)) return final(req, res, ctx);
      res.writeHead(301, { location: `/chain/${n - 1}` }).end();
    };
  },
  /** 200 with an ETag and Last-Modified; 304 when the client sends them back. */
  conditional(content: string, etag = '"v1"', lastModified = 'Tue, 05 Mar 2024 12:00:00 GMT', contentType = 'application/rss+xml'): Handler {
    return (req, res) => {
      if (req.headers['if-none-match'] === etag || req.headers['if-modified-since'] === lastModified) {
        return void res.writeHead(304, { etag, 'last-modified': lastModified }).end();
      }
      res.writeHead(200, { 'content-type': contentType, etag, 'last-modified': lastModified }).end(content);
    };
  },
  /** Headers and half a body, then the connection is cut. */
  truncated(content: string): Handler {
    return (_req, res, ctx) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': content.length * 2 });
      res.write(content);
      ctx.later(20, () => res.destroy());
    };
  },
};
