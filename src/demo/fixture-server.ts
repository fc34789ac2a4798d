// A local HTTP server for the bundled demo fixtures (fixtures/demo and fixtures/pages).
// Feeds and pages may contain `{{BASE}}`, replaced by this server's own origin, so links work on
// whatever port it gets. Only files under the fixture folders are served.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.json': 'application/feed+json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface FixtureServer {
  baseUrl: string;
  /** Requests per path, for tests. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** `mounts` maps a URL path prefix (e.g. `/pages/`) to a folder on disk. */
export async function startFixtureServer(mounts: Record<string, string>): Promise<FixtureServer> {
  const hits = new Map<string, number>();
  let baseUrl = '';
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const mount = Object.keys(mounts).find((prefix) => path.startsWith(prefix));
    if (!mount || req.method !== 'GET') {
      res.writeHead(404).end('not found');
      return;
    }
    const root = mounts[mount]!;
    const file = normalize(join(root, path.slice(mount.length)));
    if (!file.startsWith(normalize(root) + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const body = (await readFile(file, 'utf8')).replaceAll('{{BASE}}', baseUrl);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    hits,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
