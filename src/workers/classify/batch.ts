// JSONL batch mode on the same code the workers run: `newsflow classify` and `newsflow cluster`
// over files, without Redis or queues.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { classifyArticle, type ClassifyOptions } from './classify.js';
import { assignStory, type ClusterOptions, type StoryIndex } from './story-cluster.js';
import { MemoryStoryIndex } from './story-index.memory.js';

export interface BatchResult {
  read: number;
  written: number;
  /** Lines that were not valid input, with their line numbers; processing continues. */
  errors: { line: number; message: string }[];
}

async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
}

async function* jsonLines(input: Readable): AsyncGenerator<{ line: number; value: unknown } | { line: number; error: string }> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    if (!raw.trim()) continue;
    try {
      yield { line: n, value: JSON.parse(raw) as unknown };
    } catch {
      yield { line: n, error: 'not valid JSON' };
    }
  }
}

/** Input `{id, title, text, ...}` per line; output the same object plus `lang`, `topics`, `entities`. */
export async function classifyJsonl(input: Readable, output: Writable, opts: ClassifyOptions = {}): Promise<BatchResult> {
  const res: BatchResult = { read: 0, written: 0, errors: [] };
  for await (const item of jsonLines(input)) {
    res.read++;
    if ('error' in item) {
      res.errors.push({ line: item.line, message: item.error });
      continue;
    }
    const a = item.value as { title?: unknown; text?: unknown; lang?: unknown };
    if (typeof a !== 'object' || a === null || typeof a.text !== 'string') {
      res.errors.push({ line: item.line, message: 'needs a "text" string' });
      continue;
    }
    const c = classifyArticle(
      {
        title: typeof a.title === 'string' ? a.title : null,
        text: a.text,
        lang: typeof a.lang === 'string' ? a.lang : null,
      },
      opts,
    );
    await write(output, JSON.stringify({ ...a, lang: c.lang, topics: c.topics, entities: c.entities }));
    res.written++;
  }
  return res;
}

/**
 * Input in time order `{id, title, text, published, source}` per line; output `{id, story}`.
 * Entities, when a line carries them (`entities: [{name}]` as classifyJsonl writes), are used.
 */
export async function clusterJsonl(
  input: Readable,
  output: Writable,
  opts: ClusterOptions & { index?: StoryIndex } = {},
): Promise<BatchResult> {
  const index = opts.index ?? new MemoryStoryIndex();
  const res: BatchResult = { read: 0, written: 0, errors: [] };
  for await (const item of jsonLines(input)) {
    res.read++;
    if ('error' in item) {
      res.errors.push({ line: item.line, message: item.error });
      continue;
    }
    const a = item.value as Record<string, unknown>;
    if (typeof a !== 'object' || a === null || typeof a.id !== 'string' || !a.id) {
      res.errors.push({ line: item.line, message: 'needs an "id" string' });
      continue;
    }
    const entities = Array.isArray(a.entities)
      ? a.entities.map((e: unknown) => (typeof e === 'string' ? e : (e as { name?: unknown })?.name)).filter((e): e is string => typeof e === 'string')
      : undefined;
    const r = await assignStory(
      index,
      {
        id: a.id,
        title: typeof a.title === 'string' ? a.title : null,
        text: typeof a.text === 'string' ? a.text : null,
        published: typeof a.published === 'string' || typeof a.published === 'number' ? a.published : null,
        source: typeof a.source === 'string' ? a.source : null,
        ...(entities ? { entities } : {}),
      },
      opts,
    );
    await write(output, JSON.stringify({ id: a.id, story: r.story }));
    res.written++;
  }
  return res;
}
