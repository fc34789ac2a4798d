// Reading stories back from the Redis story index (story-index.redis.ts): the latest stories
// for `newsflow stories list` and the status page, one story with its members for `show`.
import type { Redis } from 'ioredis';

export interface StorySummary {
  id: string;
  /** Title of the article that started the story (the first to arrive; the story id derives from its id). */
  title: string;
  size: number;
  /** How many of its articles copy another one's text (near-duplicates); size counts them too. */
  copies: number;
  outlets: string[];
  /** Most frequent topics among its articles, best first. */
  topics: string[];
  /** Earliest and latest published time of its articles, whatever order they arrived in. */
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface StoryMember {
  id: string;
  title: string;
  source: string | null;
  published: string | null;
  /** The member whose text this one copies, or null. */
  duplicateOf: string | null;
}

export interface StoryDetail extends StorySummary {
  members: StoryMember[];
}

const iso = (ms: string | undefined | null): string | null =>
  ms && Number.isFinite(Number(ms)) ? new Date(Number(ms)).toISOString() : null;

function byCount(h: Record<string, string>): string[] {
  return Object.entries(h)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || a[0].localeCompare(b[0]))
    .map(([k]) => k);
}

async function summaries(redis: Redis, prefix: string, ids: string[]): Promise<StorySummary[]> {
  if (ids.length === 0) return [];
  const p = redis.pipeline();
  for (const id of ids) {
    p.hgetall(`${prefix}:s:${id}`);
    p.hgetall(`${prefix}:s:${id}:o`);
    p.hgetall(`${prefix}:s:${id}:t`);
  }
  const res = (await p.exec()) ?? [];
  const out: StorySummary[] = [];
  ids.forEach((id, i) => {
    const meta = (res[i * 3]?.[1] ?? {}) as Record<string, string>;
    if (!meta.size) return; // expired between the two reads
    out.push({
      id,
      title: meta.title ?? '',
      size: Number(meta.size),
      copies: Number(meta.copies ?? 0),
      outlets: byCount((res[i * 3 + 1]?.[1] ?? {}) as Record<string, string>),
      topics: byCount((res[i * 3 + 2]?.[1] ?? {}) as Record<string, string>).slice(0, 3),
      firstSeen: iso(meta.firstSeen),
      lastSeen: iso(meta.lastSeen),
    });
  });
  return out;
}

/** The `limit` most recently updated stories, newest first. */
export async function listStories(redis: Redis, prefix: string, limit = 20): Promise<StorySummary[]> {
  const ids = await redis.zrevrange(`${prefix}:stories`, 0, Math.max(0, limit - 1));
  return summaries(redis, prefix, ids);
}

/** Alias used by the status page. */
export const latestStories = listStories;

/** One story with its members (oldest first) and outlets, or null when unknown or expired. */
export async function getStory(redis: Redis, prefix: string, id: string): Promise<StoryDetail | null> {
  const [summary] = await summaries(redis, prefix, [id]);
  if (!summary) return null;
  const ids = await redis.zrange(`${prefix}:s:${id}:m`, '0', '-1');
  const details = ids.length ? await redis.hmget(`${prefix}:s:${id}:d`, ...ids) : [];
  const members = ids.map((mid, i): StoryMember => {
    const d = details[i] ? (JSON.parse(details[i]!) as { title?: string; source?: string | null; published?: number; duplicateOf?: string }) : {};
    return { id: mid, title: d.title ?? '', source: d.source ?? null, published: iso(d.published?.toString()), duplicateOf: d.duplicateOf ?? null };
  });
  return { ...summary, members };
}
