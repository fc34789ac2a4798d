// The time an article counts at for stories, everywhere (the story index, the PostgreSQL
// sink's story rows): what the stages share about time sits below them.

// Pages sometimes carry a publication date in the future (a wrong time zone, a placeholder, a
// hostile page). The story index orders and trims by this time, so it never runs more than a day
// ahead of the moment the article was discovered.
const MAX_AHEAD_MS = 86_400_000;

/** The time an article is clustered at: its published time, capped at discovery + 1 day. */
export function clusterTime(published: string | null | undefined, discovered: string): string {
  const cap = Date.parse(discovered) + MAX_AHEAD_MS;
  const t = published ? Date.parse(published) : NaN;
  if (Number.isNaN(t)) return discovered;
  return t > cap ? new Date(cap).toISOString() : published!;
}
