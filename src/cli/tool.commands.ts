// One-off commands on the same pure code as the workers, no queues: extract, classify, feed parse.
import { readFile, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { type Config, configPath, EXTRACT_DOMS, type ExtractDom, loadConfig, parseDuration } from '../shared/config.js';
import { PermanentError, UsageError } from '../shared/errors.js';
import { decodeBody, httpGet } from '../shared/http.js';
import { BlockedAddressError, createNetGuard } from '../shared/net-guard.js';
import type { BatchResult } from '../workers/classify/batch.js';
import type { ExtractTrace } from '../workers/readability/extract.js';
import { isFeedKind, KIND_NAMES, sniffDocument } from '../workers/fetch/sniff.js';

// Heavy modules (jsdom, compromise, the topic model) load inside the command that needs them,
// so `newsflow --help` and the Redis commands start fast.
const lazy = {
  extract: () => import('../workers/readability/extract.js'),
  blockModel: () => import('../workers/readability/block-model.js'),
  blockTraining: () => import('../workers/readability/block-training.js'),
  classify: () => import('../workers/classify/classify.js'),
  classifyWorker: () => import('../workers/classify/classify.worker.js'),
  batch: () => import('../workers/classify/batch.js'),
  train: () => import('../workers/classify/train.js'),
  feedParse: () => import('../workers/fetch/feed-parse.js'),
  feedFetch: () => import('../workers/fetch/feed-fetch.js'),
};

function reportBatch(verb: string, result: BatchResult): void {
  process.stderr.write(`${verb} ${result.written} of ${result.read} lines\n`);
  for (const e of result.errors.slice(0, 20)) process.stderr.write(`  line ${e.line}: ${e.message}\n`);
  if (result.errors.length) process.exitCode = 1;
}

/** What a command that reads a URL needs from the config: where the file is, and its network settings. */
export interface InputSettings {
  configFile: string;
  config: Config;
  /** --allow entries given to this command. */
  allow: string[];
  /** Whether this command has an --allow option to suggest. */
  allowFlag?: boolean;
}

export function inputSettings(program: Command, allow: string[] = []): InputSettings {
  const file = program.opts().config as string | undefined;
  return { configFile: configPath(file), config: loadConfig(file), allow, allowFlag: true };
}

/**
 * Read a file, a URL, or stdin (`-`). A URL is fetched with the config's network settings
 * (network.allow, timeout, maxBytes, userAgent) plus this command's --allow entries; a private
 * address is refused with both ways to allow it.
 */
export async function readInput(source: string, settings?: InputSettings): Promise<{ text: string; url?: string }> {
  // Files and stdin are sniffed like fetched bodies (BOM, <meta charset>, XML declaration).
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { text: decodeBody(Buffer.concat(chunks)) };
  }
  if (/^https?:\/\//i.test(source)) {
    const network = settings?.config.network;
    let res;
    try {
      res = await httpGet(source, {
        guard: createNetGuard([...(network?.allow ?? []), ...(settings?.allow ?? [])]),
        ...(network ? { timeoutMs: network.timeout, maxBytes: network.maxBytes } : {}),
        ...(network?.userAgent ? { userAgent: network.userAgent } : {}),
      });
    } catch (err) {
      if (err instanceof BlockedAddressError) {
        const host = err.hostname && !/^\[?[\d.:a-f]+\]?$/i.test(err.hostname) ? err.hostname : err.address;
        throw new PermanentError(
          'blocked_address',
          `refusing to fetch ${source}: ${err.hostname && err.hostname !== err.address ? `${err.hostname} (${err.address})` : err.address} is a private, loopback or reserved address. ` +
            (settings?.allowFlag
              ? `To fetch it, pass --allow ${host} to this command, or add ${host} to network.allow in ${settings.configFile}.`
              : `To fetch it, add ${host} to network.allow in ${settings?.configFile ?? 'the config file'}.`),
        );
      }
      throw err;
    }
    if (res.text === undefined) throw new PermanentError('binary', `${source} is not text (${res.contentType ?? 'no content type'})`);
    return { text: res.text, url: res.url };
  }
  try {
    return { text: decodeBody(await readFile(source)) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`no such file: ${source}`);
    if (code === 'EISDIR') throw new UsageError(`${source} is a folder, not a file`);
    throw err;
  }
}

function print(value: unknown, json: boolean | undefined, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `extract --explain`, for people: what each layer dropped. */
function explainText(trace: ExtractTrace): string {
  const clip = (t: string) => (t.length > 120 ? `${t.slice(0, 119)}…` : t).replace(/\n/g, ' / ');
  const lines = [`dropped (${trace.structure.length + trace.blocks.length}):`];
  for (const s of trace.structure) lines.push(`  ${`${s.reason} (${s.where})`.padEnd(34)} ${clip(s.text)}`);
  for (const b of trace.blocks) lines.push(`  ${(b.score === undefined ? b.reason : `${b.reason} ${b.score.toFixed(2)}`).padEnd(34)} ${clip(b.text)}`);
  if (trace.overruled.length) {
    lines.push(`kept although layers 5-6 scored them as boilerplate (the article would have been empty):`);
    for (const b of trace.overruled) lines.push(`  ${(b.score === undefined ? b.reason : `${b.reason} ${b.score.toFixed(2)}`).padEnd(34)} ${clip(b.text)}`);
  }
  return lines.join('\n');
}

export function registerToolCommands(program: Command): void {
  program
    .command('extract')
    .description('extract the article from a page (file, URL or - for stdin) and print it')
    .argument('<source>', 'HTML file, http(s) URL, or - for stdin')
    .option('--url <url>', 'the page URL, for resolving links and per-site rules (default: the source URL)')
    .option('--allow <host>', 'let a private host or CIDR be fetched (repeatable)', collect, [])
    .option('--html', 'include the sanitised article HTML')
    .addOption(new Option('--dom <dom>', 'the DOM to parse with (not read from the config file)').choices(EXTRACT_DOMS).default('jsdom'))
    .option('--model <file>', 'boilerplate classifier model, or "off" (default: extract.model from the config, else the shipped model)')
    .option('--explain', 'also list every block dropped as boilerplate, with the layer (and classifier score) that dropped it')
    .option('--json', 'print JSON')
    .action(async (source: string, opts: { url?: string; allow: string[]; html?: boolean; dom: ExtractDom; model?: string; explain?: boolean; json?: boolean }) => {
      const { dom } = opts;
      const settings = inputSettings(program, opts.allow);
      const input = await readInput(source, settings);
      const kind = sniffDocument(input.text);
      if (isFeedKind(kind) || kind === 'urlset' || kind === 'sitemapindex' || kind === 'opml') {
        const isUrl = /^https?:\/\//i.test(source);
        const next = isFeedKind(kind)
          ? `\`newsflow feed parse ${source}\` lists its items; extract one of their links`
          : kind === 'opml'
            ? `\`newsflow feeds import ${source}\` adds its feeds`
            : `a sitemap is a source: \`newsflow feeds add ${isUrl ? source : '<its URL>'}\` polls it`;
        throw new UsageError(`${source} is ${KIND_NAMES[kind]}, not an article page: ${next}`);
      }
      const url = opts.url ?? input.url ?? (source.startsWith('http') ? source : 'http://localhost/');
      const { extractArticle } = await lazy.extract();
      const { blockModelOption } = await lazy.blockModel();
      const model = blockModelOption(opts.model ?? settings.config.extract.model);
      const trace: ExtractTrace | undefined = opts.explain ? { structure: [], blocks: [], overruled: [], keptScores: [], classifierMs: 0 } : undefined;
      const article = extractArticle(input.text, { url, dom, ...model }, trace);
      const { fingerprints: _fp, html, ...rest } = article;
      // A local file has no URL of its own: say the page's canonical one rather than the placeholder.
      if (!opts.url && !input.url) rest.url = article.canonicalUrl ?? source;
      const out = { ...rest, ...(opts.html ? { html } : {}), ...(trace ? { explain: trace } : {}) };
      print(out, opts.json, () =>
        [article.title ?? '(untitled)', article.byline ? `by ${article.byline}` : '', article.published ?? '', '', article.text]
          .filter((line, i) => line !== '' || i === 3)
          .join('\n') + (trace ? `\n\n${explainText(trace)}` : ''),
      );
    });

  program
    .command('train-boilerplate')
    .description('train a boilerplate classifier from your own labelled pages (<name>.html + <name>.gold.json; see models/BOILERPLATE_MODEL_CARD.md)')
    .requiredOption('--pages <dir>', 'a folder of labelled pages (repeatable)', collect, [])
    .requiredOption('--out <file>', 'where to write the model (then set extract.model to it)')
    .action(async (opts: { pages: string[]; out: string }) => {
      const { trainFromLabelledDirs } = await lazy.blockTraining();
      const { file, lines, pages } = await trainFromLabelledDirs(opts.pages);
      await writeFile(opts.out, `${JSON.stringify(file)}\n`);
      for (const line of lines) process.stderr.write(`${line}\n`);
      process.stderr.write(`trained on ${pages} pages; wrote ${opts.out}\n`);
    });

  program
    .command('classify')
    .description('tag an article: topics, entities, language (article JSON, or JSONL in batch with --jsonl)')
    .argument('[source]', 'article JSON file (as printed by `newsflow extract --json`), or - for stdin')
    .option('--json', 'print JSON')
    .option('--jsonl', 'batch: read {id, title, text} lines on stdin, write them with topics, entities, lang')
    .action(async (source: string | undefined, opts: { json?: boolean; jsonl?: boolean }) => {
      const config = loadConfig(program.opts().config);
      const options = (await lazy.classifyWorker()).loadClassifyOptions(config);
      if (opts.jsonl) {
        const result = await (await lazy.batch()).classifyJsonl(process.stdin, process.stdout, options);
        reportBatch('classified', result);
        return;
      }
      if (!source) throw new PermanentError('invalid_input', 'give an article JSON file, -, or --jsonl');
      const input = await readInput(source, { configFile: configPath(program.opts().config), config, allow: [] });
      const name = source === '-' ? 'stdin' : source;
      let article: { title?: string | null; text?: unknown; lang?: string | null };
      const kind = sniffDocument(input.text);
      if (kind === 'text') {
        // Plain text is an article with no title: classify it as such, and say so.
        article = { text: input.text };
        process.stderr.write(`${name}: plain text, classified as an article without a title (article JSON from \`newsflow extract --json\` also gives the title)\n`);
      } else if (kind === 'json' || kind === 'json-feed') {
        try {
          article = JSON.parse(input.text) as typeof article;
        } catch (err) {
          // "[Updated] Ferry services resume…" is text that happens to open with a bracket.
          if (input.text.trimStart().startsWith('[')) {
            article = { text: input.text };
            process.stderr.write(`${name}: plain text, classified as an article without a title\n`);
          } else {
            throw new UsageError(`${name} is not valid JSON (${(err as Error).message}); give the article JSON \`newsflow extract --json\` prints, or plain text`);
          }
        }
      } else {
        const extract = kind === 'html' ? `; for a page, \`newsflow extract ${source} --json | newsflow classify -\`` : '';
        throw new UsageError(`${name} is ${KIND_NAMES[kind]}, not an article: give article JSON (as \`newsflow extract --json\` prints) or plain text${extract}`);
      }
      if (typeof article !== 'object' || article === null || typeof article.text !== 'string') {
        throw new UsageError(`${name}: the article JSON needs a "text" string (and ideally "title"), as \`newsflow extract --json\` prints`);
      }
      const { classifyArticle } = await lazy.classify();
      const result = classifyArticle({ title: typeof article.title === 'string' ? article.title : null, text: article.text, lang: typeof article.lang === 'string' ? article.lang : null }, options);
      print(result, opts.json, () =>
        [
          `lang: ${result.lang ?? 'unknown'}`,
          `topics: ${result.topics.map((t) => `${t.label} ${t.score.toFixed(2)}`).join(', ')}`,
          `entities: ${result.entities.map((e) => `${e.name} (${e.type}${e.count > 1 ? ` x${e.count}` : ''})`).join(', ')}`,
        ].join('\n'),
      );
    });

  program
    .command('cluster')
    .description('batch same-story grouping: {id, title, text, published, source} lines in time order on stdin → {id, story}')
    .requiredOption('--jsonl', 'read and write JSONL (the only mode)')
    .option('--window <duration>', 'sliding window', '72h')
    .option('--max-span <duration>', 'longest a story may span, earliest to latest article (default: the window)')
    .action(async (opts: { window: string; maxSpan?: string }) => {
      const windowMs = parseDuration(opts.window);
      const maxSpanMs = opts.maxSpan !== undefined ? parseDuration(opts.maxSpan) : windowMs;
      const result = await (await lazy.batch()).clusterJsonl(process.stdin, process.stdout, { windowMs, maxSpanMs });
      reportBatch('clustered', result);
    });

  program
    .command('train')
    .description('train a topic model from labelled JSONL ({text, label} or {title, text, label} per line)')
    .requiredOption('--data <file>', 'labelled JSONL')
    .requiredOption('--out <file>', 'where to write model.json (then set classify.model to it)')
    .action(async (opts: { data: string; out: string }) => {
      const { rows, labels } = await (await lazy.train()).trainFromJsonl(opts.data, opts.out);
      process.stderr.write(`trained on ${rows} rows, labels: ${labels.join(', ')}; wrote ${opts.out}\n`);
    });

  const feed = program.command('feed').description('work with one feed');
  feed
    .command('parse')
    .description('fetch or read a feed and print it normalised')
    .argument('<source>', 'feed file, http(s) URL, or -')
    .option('--url <url>', 'the feed URL, for resolving relative links')
    .option('--allow <host>', 'let a private host or CIDR be fetched (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async (source: string, opts: { url?: string; allow: string[]; json?: boolean }) => {
      const settings = inputSettings(program, opts.allow);
      const input = await readInput(source, settings);
      // A file or stdin has no URL: relative links resolve against --url, else a placeholder,
      // and errors name the file.
      const url = opts.url ?? input.url ?? 'http://localhost/';
      const name = input.url ? undefined : source === '-' ? 'stdin' : source;
      // A site's page instead of its feed (URLs only): follow the feed the page links to.
      const first = { text: input.text, url };
      const [{ parseFeed }, { parseOrDiscover }] = await Promise.all([lazy.feedParse(), lazy.feedFetch()]);
      const { feed: parsed, discoveredUrl } = input.url
        ? await parseOrDiscover(first, async (u) => {
            const r = await readInput(u, settings);
            return { text: r.text, url: r.url ?? u };
          })
        : { feed: parseFeed(input.text, { url, ...(name ? { name } : {}) }), discoveredUrl: null };
      if (discoveredUrl) process.stderr.write(`${url} is a page; parsed the feed it links to: ${discoveredUrl}\n`);
      const out = {
        title: parsed.title,
        link: parsed.link,
        items: parsed.items.map((i) => ({
          title: i.title,
          link: i.link,
          id: i.id,
          published: i.published,
          author: i.author,
          summary: i.summary,
          content: i.content,
        })),
      };
      print(out, opts.json, () =>
        [`${out.title ?? '(untitled feed)'} <${out.link ?? ''}>`, ...out.items.map((i) => `- ${i.published ?? '?'} ${i.title ?? ''} ${i.link ?? ''}`)].join('\n'),
      );
    });
}
