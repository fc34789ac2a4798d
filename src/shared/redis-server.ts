// Finding Redis for `npm start` and `newsflow demo`: REDIS_URL (or config) when set; else whatever
// answers on 127.0.0.1:6379; else a `redis-server` child with its data under ./data/redis (AOF on),
// stopped when we stop. Where no redis-server is installed, say exactly what to install.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { resolve } from 'node:path';

export interface RedisHandle {
  url: string;
  /** True when we started the server and will stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export class RedisNotInstalledError extends Error {
  override readonly name = 'RedisNotInstalledError';
  constructor() {
    super(
      [
        'No Redis answers on 127.0.0.1:6379, REDIS_URL is not set, and redis-server is not installed.',
        'Do one of:',
        '  - install Redis 7+:  sudo apt-get install redis-server   (Debian/Ubuntu)',
        '                       brew install redis                  (macOS)',
        '  - point newsflow at a Redis you have:  REDIS_URL=redis://host:6379 npm start',
        '  - run everything in containers:  docker compose up',
      ].join('\n'),
    );
  }
}

function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export interface EnsureRedisOptions {
  /** Explicit URL (REDIS_URL or config): used as is. */
  url?: string;
  /** Where a started server keeps its data. */
  dataDir?: string;
  /** Start on a free port instead of 6379 (the demo, so it never collides with a real one). */
  anyPort?: boolean;
  /** Reuse a server already on 127.0.0.1:6379 (default true). */
  reuseLocal?: boolean;
  log?: (msg: string) => void;
}

export async function ensureRedis(opts: EnsureRedisOptions = {}): Promise<RedisHandle> {
  if (opts.url) return { url: opts.url, owned: false, stop: async () => {} };
  if ((opts.reuseLocal ?? true) && (await portAnswers(6379))) {
    return { url: 'redis://127.0.0.1:6379', owned: false, stop: async () => {} };
  }
  const port = opts.anyPort ? await freePort() : 6379;
  const dir = resolve(opts.dataDir ?? 'data/redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '',
      '--maxmemory-policy', 'noeviction'],
    // Own process group: Ctrl-C in the terminal must not kill Redis while our workers still drain.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const spawned = await new Promise<'ok' | 'missing' | Error>((done) => {
    child.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENOENT' ? 'missing' : err));
    child.once('spawn', () => done('ok'));
  });
  if (spawned === 'missing') throw new RedisNotInstalledError();
  if (spawned instanceof Error) throw spawned;

  const deadline = Date.now() + 10_000;
  while (!(await portAnswers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  opts.log?.(`started redis-server on 127.0.0.1:${port} (data in ${dir})`);
  return { url: `redis://127.0.0.1:${port}`, owned: true, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    // SIGTERM makes redis-server flush the AOF and exit cleanly.
    child.kill('SIGTERM');
  });
}
