// Infrastructure a fault test can break on purpose: a redis-server of its own (AOF on, fixed port
// and data directory, so it can be stopped and started again as the same server) and a TCP proxy
// that can cut every connection to PostgreSQL and refuse new ones for a while.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { scaled } from './time-scale.js';

function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.setTimeout(500, () => (s.destroy(), done(false)));
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  /** Stop the server: SIGTERM flushes the AOF, SIGKILL is a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port and directory (it reloads its AOF). */
  start(): Promise<void>;
}

/**
 * ensureRedis (src/shared/redis-server.ts) starts a server on a fresh port and hides the child;
 * a restart test needs the same port again, a choice of fsync policy and a way to crash it.
 */
export async function startOwnRedis(opts: { dir: string; appendfsync?: 'always' | 'everysec' }): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', opts.dir, '--appendonly', 'yes',
        '--appendfsync', opts.appendfsync ?? 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + scaled(15_000);
    while (!(await portAnswers(port))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((done) => {
      c.once('exit', () => done());
      c.kill(signal);
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

export interface TcpProxy {
  port: number;
  /** Close every open connection and refuse new ones (they are accepted and reset at once). */
  cut(): void;
  restore(): void;
  /** Connections accepted while cut (and reset). */
  refused: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  let refused = 0;
  const server: Server = createServer((client) => {
    if (down) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ port: targetPort, host: targetHost });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy: TcpProxy = {
    port: (server.address() as { port: number }).port,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise((r) => {
        proxy.cut();
        server.close(() => r());
      }),
  };
  return proxy;
}
