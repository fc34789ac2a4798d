// `newsflow feeds …`: the feeds being polled (config and added at run time) with their health,
// adding and removing them, and OPML in and out.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDuration } from '../shared/config.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { decodeBody } from '../shared/http.js';
import { looksBinary } from '../shared/content-type.js';
import { parseOpml } from '../workers/fetch/opml.js';
import { isFeedKind, KIND_NAMES, sniffDocument } from '../workers/fetch/sniff.js';
import { addFeed, exportOpml, feedHealth, importOpml, removeFeed, type FeedHealth } from '../workers/fetch/feeds-registry.js';
import { hintPrefix, withOps } from './context.js';

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
  const warning = f.lastWarning ? `\n    note: ${f.lastWarning}` : '';
  const kind = f.kind === 'sitemap' ? 'sitemap, ' : '';
  return `${f.url}  [${kind}${f.source}] ${f.name ?? ''}\n    ${health}; next ${f.nextPoll ?? '-'} (${every}); queued ${f.itemsQueued}${found}${warning}`;
}

export function registerFeedsCommands(program: Command): void {
  const feeds = program.command('feeds').description('the feeds being polled (config and added)');
  feeds
    .command('list')
    .description('every feed with its health: last success, last error and reason, failures, next poll')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOps(program, async (ctx) => {
        const { config, redis, queues, keys } = ctx;
        const rows = await feedHealth(redis, keys, queues, config);
        if (rows.every((f) => !f.lastSuccess && !f.failures)) await hintPrefix(ctx);
        if (opts.json) return out(JSON.stringify(rows, null, 2));
        for (const f of rows) out(describeHealth(f));
      });
    });
  feeds
    .command('add')
    .description('poll a feed or sitemap from now on; a site\'s page is looked at for its feed and its sitemaps (robots.txt, /sitemap.xml, /news-sitemap.xml)')
    .argument('<url>', 'feed or sitemap URL, or a site\'s page')
    .option('--name <name>', 'outlet name')
    .option('--interval <duration>', 'fixed poll interval, e.g. 15m (default: adaptive)')
    .option('--no-discover', 'add the URL as it is, without fetching it')
    .action(async (url: string, opts: { name?: string; interval?: string; discover: boolean }) => {
      if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) throw new Error(`not an http(s) URL: ${url}`);
      await withOps(program, async ({ config, redis, queues, keys }) => {
        let urls = [url];
        if (opts.discover) {
          const { discoverSources } = await import('../workers/fetch/discover-sources.js');
          const { fetchWithConfig } = await import('../workers/fetch/fetch-options.js');
          let found;
          try {
            found = await discoverSources(url, (u) => fetchWithConfig(config, u, { maxBytes: Math.max(config.sitemaps.maxBytes, config.network.maxBytes) }));
          } catch (err) {
            throw new Error(`cannot look at ${url}: ${errorMessage(err)} (--no-discover adds it without looking)`);
          }
          if (found.found.length) {
            out('found:');
            for (const f of found.found) {
              const details = [
                f.via === 'given' ? '' : f.via === 'page' ? 'linked from the page' : f.via,
                f.entries !== undefined ? `${f.entries} ${f.kind === 'sitemap index' ? 'child sitemaps' : 'URLs'}` : '',
              ].filter(Boolean);
              out(`  ${f.kind.padEnd(13)} ${f.url}${details.length ? ` (${details.join(', ')})` : ''}`);
            }
          }
          if (found.misses.length) {
            process.stderr.write('looked at, not used:\n');
            for (const m of found.misses) process.stderr.write(`  ${m}\n`);
          }
          if (!found.add.length) {
            throw new Error(`${url} is a page with no feed link, and the site names no sitemap (robots.txt, /sitemap.xml, /news-sitemap.xml): nothing to poll`);
          }
          urls = found.add;
        }
        for (const u of urls) {
          const fresh = await addFeed(redis, keys, queues, config, {
            url: u,
            ...(opts.name ? { name: opts.name } : {}),
            ...(opts.interval ? { interval: parseDuration(opts.interval) } : {}),
          });
          out(`${fresh ? 'added' : 'updated'} ${u}`);
        }
      });
    });
  feeds
    .command('remove')
    .description('stop polling a feed added with `feeds add` or `feeds import`')
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
      const name = file === '-' ? 'stdin' : file;
      let bytes: Buffer;
      try {
        bytes = file === '-' ? await readStdin() : await readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no such file: ${file}`);
        throw err;
      }
      const text = decodeBody(bytes);
      if (looksBinary(bytes)) throw new UsageError(`${name} is a binary file, not OPML: export your subscriptions from your feed reader as OPML`);
      const kind = sniffDocument(text);
      if (kind !== 'opml') {
        const hint = isFeedKind(kind) || kind === 'urlset' || kind === 'sitemapindex' ? `; to poll one feed or sitemap, \`newsflow feeds add <its URL>\`` : '';
        throw new UsageError(`${name} is ${KIND_NAMES[kind]}, not OPML (an <opml> document as feed readers export)${hint}`);
      }
      const found = parseOpml(text).length;
      if (found === 0) throw new UsageError(`${name} is OPML but lists no feeds (no <outline> with an http(s) xmlUrl)`);
      await withOps(program, async ({ config, redis, queues, keys }) => {
        const r = await importOpml(redis, keys, queues, config, text);
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
