// `newsflow start` and `newsflow demo`: the commands that run the pipeline.
import type { Command } from 'commander';
import { loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { ensureRedis, RedisNotInstalledError } from '../shared/redis-server.js';
import { redactUrl } from '../shared/redis.js';

const SHUTDOWN_GRACE_MS = Number(process.env.NEWSFLOW_SHUTDOWN_TIMEOUT_MS ?? 60_000);

export function registerRunCommands(program: Command): void {
  program
    .command('start')
    .description('run the pipeline: every worker and the dashboard (or the roles in WORKERS / --workers)')
    .option('-w, --workers <roles>', 'comma-separated roles: fetch,extract,classify,store,dashboard (default all)')
    .action(async (opts: { workers?: string }) => {
      const config = loadConfig(program.opts().config);
      const log = createLogger();
      const { parseRoles, startPipeline } = await import('../app.js');
      const roles = opts.workers !== undefined ? parseRoles(opts.workers, '--workers') : parseRoles(process.env.WORKERS);
      let redisHandle;
      try {
        redisHandle = await ensureRedis({ url: config.redis.url, dataDir: 'data/redis', log: (m) => log.info(m) });
      } catch (err) {
        if (err instanceof RedisNotInstalledError) {
          process.stderr.write(`${err.message}\n`);
          process.exit(1);
        }
        throw err;
      }
      log.info({ redis: redactUrl(redisHandle.url), ownedRedis: redisHandle.owned }, 'using Redis');
      let pipeline;
      try {
        pipeline = await startPipeline({ config, redisUrl: redisHandle.url, log, roles });
      } catch (err) {
        await redisHandle.stop();
        throw err;
      }

      let signals = 0;
      const shutdown = async (signal: string) => {
        signals += 1;
        if (signals > 1) {
          log.warn({ signal }, 'second signal: exiting now');
          process.exit(130);
        }
        log.info({ signal }, 'shutting down: letting active jobs finish');
        const force = setTimeout(() => {
          log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long: exiting');
          process.exit(1);
        }, SHUTDOWN_GRACE_MS);
        force.unref();
        await pipeline.stop();
        await redisHandle.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });

  program
    .command('demo')
    .description('offline demo: serve bundled feeds on 127.0.0.1, run the whole pipeline to the end, print a summary')
    .requiredOption('-o, --out <dir>', 'where to write articles.jsonl')
    .option('--timeout <seconds>', 'give up after this long', '180')
    .option('--keep', 'keep the demo keys in Redis afterwards (default: delete them)')
    .action(async (opts: { out: string; timeout: string; keep?: boolean }) => {
      const { runDemo } = await import('../demo/demo.js');
      const ok = await runDemo({
        outDir: opts.out,
        timeoutMs: Number(opts.timeout) * 1000,
        keep: Boolean(opts.keep),
        redisUrl: process.env.REDIS_URL,
        print: (line) => process.stdout.write(`${line}\n`),
      });
      process.exit(ok ? 0 : 1);
    });
}
