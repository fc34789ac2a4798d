// Watch topics: user-defined boolean rules over words, phrases and entities (the schema and its
// validation are in src/shared/watch-topics.ts, with config). A rule matches when at least one
// `any` term matches (if `any` is given), every `all` term matches, and no `not` term matches. A
// term is a phrase (case-insensitive, whole words), `entity:Name` (an extracted entity,
// case-insensitive), or a nested group with the same keys. Pure.
import type { Entity } from '../../shared/types.js';
import type { WatchGroup, WatchTerm, WatchTopic } from '../../shared/watch-topics.js';

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
