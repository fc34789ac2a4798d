// `newsflow feeds …`: the feeds being polled (config and added at run time) with their health,
// adding and removing them, and OPML in and out.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDuration } from '../shared/config.js';
import { decodeBody } from '../shared/http.js';
import { addFeed, exportOpml, feedHealth, importOpml, removeFeed, type FeedHealth } from '../queues/feeds-registry.js';
import type { OpsContext } from './ops.commands.js';

type WithOps = <T>(program: Command, fn: (ctx: OpsContext) => Promise<T>) => Promise<T>;

const out = (line = '') => process.stdout.write(`${line}\n`);

function minutes(ms: number): string {
  return ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)}h` : `${Math.round(ms / 60_000)}m`;
}

export function describeHealth(f: FeedHealth): string {
  const health = f.failures
    ? `FAILING x${f.failures} since ${f.lastSuccess ? `last success ${f.lastSuccess}` : 'the start'}: ${f.lastErrorCode ?? 'error'}: ${f.lastError ?? ''}`
    : f.lastSuccess
      ? `ok ${f.lastSuccess}`
      : 'not polled yet';
  const every = `${f.fixedInterval ? 'every' : 'adaptive, now'} ${minutes(f.interval)}`;
  const found = f.discoveredUrl ? `\n    polling ${f.discoveredUrl} (found on the page)` : '';
  return `${f.url}  [${f.source}] ${f.name ?? ''}\n    ${health}; next ${f.nextPoll ?? '-'} (${every}); queued ${f.itemsQueued}${found}`;
}

export function registerFeedsCommands(program: Command, withOps: WithOps): void {
  const feeds = program.command('feeds').description('the feeds being polled (config and added)');
  feeds
    .command('list')
    .description('every feed with its health: last success, last error and reason, failures, next poll')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOps(program, async ({ config, redis, queues, keys }) => {
        const rows = await feedHealth(redis, keys, queues, config);
        if (opts.json) return out(JSON.stringify(rows, null, 2));
        for (const f of rows) out(describeHealth(f));
      });
    });
  feeds
    .command('add')
    .argument('<url>', 'feed URL')
    .option('--name <name>', 'outlet name')
    .option('--interval <duration>', 'fixed poll interval, e.g. 15m (default: adaptive)')
    .action(async (url: string, opts: { name?: string; interval?: string }) => {
      await withOps(program, async ({ config, redis, queues, keys }) => {
        if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) throw new Error(`not an http(s) URL: ${url}`);
        const fresh = await addFeed(redis, keys, queues, config, {
          url,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.interval ? { interval: parseDuration(opts.interval) } : {}),
        });
        out(`${fresh ? 'added' : 'updated'} ${url}`);
      });
    });
  feeds
    .command('remove')
    .argument('<url>', 'feed URL')
    .action(async (url: string) => {
      await withOps(program, async ({ redis, queues, keys, config }) => {
        if (config.feeds.some((f) => f.url === url)) {
          throw new Error(`${url} comes from the config file: remove it there (it would be scheduled again at start)`);
        }
        out((await removeFeed(redis, keys, queues, url)) ? `removed ${url}` : `no such feed: ${url}`);
      });
    });
  feeds
    .command('import')
    .description('add every feed of an OPML file (as feed readers export) to the feeds polled')
    .argument('<file>', 'OPML file, or - for stdin')
    .action(async (file: string) => {
      const bytes = file === '-' ? await readStdin() : await readFile(file);
      await withOps(program, async ({ config, redis, queues, keys }) => {
        const r = await importOpml(redis, keys, queues, config, decodeBody(bytes));
        out(`added ${r.added}, updated ${r.updated}${r.skipped.length ? `, ${r.skipped.length} already in the config file` : ''}`);
      });
    });
  feeds
    .command('export')
    .description('print the feeds polled (config and added) as OPML')
    .action(async () => {
      await withOps(program, async ({ config, redis, keys }) => {
        process.stdout.write(await exportOpml(redis, keys, config));
      });
    });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
