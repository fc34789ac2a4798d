// Watch topics as config declares them: user-defined boolean rules over words, phrases and
// entities, e.g.
//   { name: 'russia-ukraine-war', any: ['Ukraine', 'Kyiv'], all: [{ any: ['Russia', 'entity:Kremlin'] }], not: ['football'] }
// The schema lives here, below config; matching them against articles is the classify stage's
// (src/workers/classify/watch-topics.ts).
import { z } from 'zod';

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

