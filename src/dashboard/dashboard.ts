// The dashboard server: Bull Board for every queue at /queues and the status page at /status
// (both behind basic auth when DASHBOARD_USER and DASHBOARD_PASSWORD are set; without them it
// refuses to listen anywhere but loopback), plus /metrics (Prometheus), /healthz (liveness) and
// /readyz (Redis answers and every queue has a worker), which stay open for scrapers and probes.
// A worker-only process runs the same server with `board: false`: metrics and health alone.
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.js';
import type { Keys } from '../shared/keys.js';
import { UsageError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { QueueSet } from '../queues/factory.js';
import type { PipelineMetrics } from '../queues/metrics.js';
import { mountStatusPage } from './status-page.js';

export interface DashboardOptions {
  queues: QueueSet;
  redis: Redis;
  log: Logger;
  config: Config;
  keys: Keys;
  metrics: PipelineMetrics;
  /** Serve Bull Board and the status page (the dashboard role); false: metrics and health only. */
  board: boolean;
  host: string;
  port: number;
  readOnly?: boolean;
  auth?: { user: string; password: string };
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  if (opts.board && !opts.auth && !LOOPBACK.has(opts.host)) {
    opts.log.warn(
      { host: opts.host },
      'dashboard has no DASHBOARD_USER/DASHBOARD_PASSWORD: listening on 127.0.0.1 only',
    );
    opts = { ...opts, host: '127.0.0.1' };
  }
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await opts.redis.ping();
    } catch (err) {
      res.status(503).json({ status: 'not ready', reason: `Redis: ${(err as Error).message}` });
      return;
    }
    const workers: Record<string, number> = {};
    for (const queue of opts.queues.all()) workers[queue.name] = await queue.getWorkersCount();
    const idle = Object.entries(workers).filter(([, n]) => n === 0).map(([q]) => q);
    res.status(idle.length ? 503 : 200).json({
      status: idle.length ? 'not ready' : 'ready',
      workers,
      ...(idle.length ? { reason: `no worker registered for: ${idle.join(', ')}` } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    try {
      res.set('content-type', opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
    } catch (err) {
      res.status(500).send(`metrics failed: ${(err as Error).message}`);
    }
  });

  if (opts.board) mountBoard(app, opts);

  const server = createServer(app);
  await new Promise<void>((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(listenError(err, opts)));
    server.listen(opts.port, opts.host, () => done());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  if (opts.board) opts.log.info({ status: `${url}/status`, queues: `${url}/queues`, metrics: `${url}/metrics` }, `dashboard: ${url}/status`);
  else opts.log.info({ metrics: `${url}/metrics` }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** A port that cannot be listened on says which, and what to set instead. */
function listenError(err: NodeJS.ErrnoException, opts: DashboardOptions): Error {
  const where = `${opts.host}:${opts.port}`;
  const setting = opts.board
    ? 'set dashboard.port in the config (or DASHBOARD_PORT) to a free port, or 0 for any free port'
    : 'set METRICS_PORT to a free port';
  const what = opts.board ? 'dashboard' : 'metrics';
  if (err.code === 'EADDRINUSE') return new UsageError(`the ${what} port ${where} is already in use (another newsflow, or another program): ${setting}`);
  if (err.code === 'EACCES') return new UsageError(`the ${what} cannot listen on ${where} (permission denied; ports below 1024 need privileges): ${setting}`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
    return new UsageError(`the ${what} cannot listen on ${where}: no such address on this machine (${err.code}); set ${opts.board ? 'dashboard.host (or DASHBOARD_HOST)' : 'METRICS_HOST'}`);
  }
  return new Error(`the ${what} cannot listen on ${where}: ${err.message}`);
}

function mountBoard(app: express.Express, opts: DashboardOptions): void {
  if (opts.auth) app.use(basicAuth(opts.auth));

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/queues');
  createBullBoard({
    queues: opts.queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly ?? false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'newsflow' } },
  });
  app.use('/queues', serverAdapter.getRouter());
  mountStatusPage(app, opts);
  app.get('/', (_req, res) => res.redirect('/status'));
}

function basicAuth(expected: { user: string; password: string }): RequestHandler {
  const want = Buffer.from(`${expected.user}:${expected.password}`);
  return (req, res, nextFn) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64') : Buffer.alloc(0);
    if (given.length === want.length && timingSafeEqual(given, want)) return nextFn();
    res.set('WWW-Authenticate', 'Basic realm="newsflow"').status(401).send('authentication required');
  };
}
