// The dashboard server: Bull Board for every queue at /queues, /healthz (liveness) and /readyz
// (Redis answers). With DASHBOARD_USER and DASHBOARD_PASSWORD set it asks for basic auth;
// without them it refuses to listen anywhere but loopback.
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import type { QueueSet } from './factory.js';

export interface DashboardOptions {
  queues: QueueSet;
  redis: Redis;
  log: Logger;
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
  if (!opts.auth && !LOOPBACK.has(opts.host)) {
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
      res.json({ status: 'ready' });
    } catch (err) {
      res.status(503).json({ status: 'not ready', reason: (err as Error).message });
    }
  });

  if (opts.auth) app.use(basicAuth(opts.auth));

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/queues');
  createBullBoard({
    queues: opts.queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly ?? false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'newsflow' } },
  });
  app.use('/queues', serverAdapter.getRouter());
  app.get('/', (_req, res) => res.redirect('/queues'));

  const server: Server = await new Promise((done, fail) => {
    const s = app.listen(opts.port, opts.host, () => done(s));
    s.once('error', fail);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.log.info({ url: `${url}/queues` }, 'dashboard listening');
  return {
    url,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
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
