// Watch topics: user-defined boolean rules over words, phrases and entities, e.g.
//   { name: 'russia-ukraine-war', any: ['Ukraine', 'Kyiv'], all: [{ any: ['Russia', 'entity:Kremlin'] }], not: ['football'] }
// A rule matches when at least one `any` term matches (if `any` is given), every `all` term
// matches, and no `not` term matches. A term is a phrase (case-insensitive, whole words),
// `entity:Name` (an extracted entity, case-insensitive), or a nested group with the same keys.
// Pure; the zod schema is what config validation uses.
import { z } from 'zod';
import type { Entity } from '../../shared/types.js';

export interface WatchGroup {
  any?: WatchTerm[];
  all?: WatchTerm[];
  not?: WatchTerm[];
}
export type WatchTerm = string | WatchGroup;
export interface WatchTopic extends WatchGroup {
  name: string;
}

const termString = z
  .string()
  .trim()
  .min(1, 'a term cannot be empty')
  .refine((s) => !/^entity:\s*$/i.test(s), 'entity: needs a name, e.g. "entity:Kremlin"')
  .refine((s) => /[\p{L}\p{N}]/u.test(s), 'a term needs at least one letter or digit');

const hasClause = (g: WatchGroup): boolean => Boolean(g.any?.length || g.all?.length);
const CLAUSE_MESSAGE = 'needs a non-empty "any" or "all" list ("not" alone would match everything else)';

export const watchGroupSchema: z.ZodType<WatchGroup> = z.lazy(() =>
  z
    .strictObject({
      any: z.array(watchTermSchema).optional(),
      all: z.array(watchTermSchema).optional(),
      not: z.array(watchTermSchema).optional(),
    })
    .refine(hasClause, CLAUSE_MESSAGE),
);

export const watchTermSchema: z.ZodType<WatchTerm> = z.lazy(() => z.union([termString, watchGroupSchema]));

export const watchTopicSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'name must be a lower-case slug (a-z, 0-9, "-", "_"; up to 64 characters)'),
    any: z.array(watchTermSchema).optional(),
    all: z.array(watchTermSchema).optional(),
    not: z.array(watchTermSchema).optional(),
  })
  .refine(hasClause, CLAUSE_MESSAGE);

export const watchTopicsSchema = z
  .array(watchTopicSchema)
  .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, 'watch topic names must be unique');

/** Validate raw config; throws one Error listing every problem with its path. */
export function parseWatchTopics(input: unknown): WatchTopic[] {
  const r = watchTopicsSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') : '';
    return `  watchTopics${path}: ${i.message}`;
  });
  throw new Error(`invalid watch topics:\n${lines.join('\n')}`);
}

interface Ctx {
  text: string;
  entities: ReadonlySet<string>;
}
type Test = (ctx: Ctx) => boolean;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileTerm(term: WatchTerm): Test {
  if (typeof term !== 'string') return compileGroup(term);
  const ent = /^entity:\s*(.+)$/i.exec(term);
  if (ent) {
    const name = ent[1]!.trim().toLowerCase();
    return (ctx) => ctx.entities.has(name);
  }
  // Whole words only, any run of spaces/hyphens between words: "Kyiv" is not in "Kyivstar".
  const body = term
    .trim()
    .split(/[\s-]+/)
    .map(escapeRegExp)
    .join('[\\s\\-]+');
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'iu');
  return (ctx) => re.test(ctx.text);
}

function compileGroup(g: WatchGroup): Test {
  const any = (g.any ?? []).map(compileTerm);
  const all = (g.all ?? []).map(compileTerm);
  const not = (g.not ?? []).map(compileTerm);
  return (ctx) =>
    (any.length === 0 || any.some((t) => t(ctx))) && all.every((t) => t(ctx)) && !not.some((t) => t(ctx));
}

const compiled = new WeakMap<readonly WatchTopic[], { name: string; test: Test }[]>();

/** Names of the watch topics the article matches, in configuration order. */
export function matchWatchTopics(
  topics: readonly WatchTopic[],
  article: { text: string; entities?: readonly Entity[] },
): string[] {
  if (topics.length === 0) return [];
  let rules = compiled.get(topics);
  if (!rules) {
    rules = topics.map((t) => ({ name: t.name, test: compileGroup(t) }));
    compiled.set(topics, rules);
  }
  const ctx: Ctx = {
    text: article.text,
    entities: new Set((article.entities ?? []).map((e) => e.name.toLowerCase())),
  };
  return rules.filter((r) => r.test(ctx)).map((r) => r.name);
}
