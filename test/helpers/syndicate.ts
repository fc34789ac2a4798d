// What a republisher does to an article, for near-duplicate tests and the benchmark: drop the
// last paragraph, add its own promo, copy-edit a few words, put a dateline in front, cut the
// story short, drop a paragraph from the middle. Deterministic for a given seed.

export type Variant = 'trimmed' | 'edited' | 'cut' | 'reshuffled';
export const VARIANTS: Variant[] = ['trimmed', 'edited', 'cut', 'reshuffled'];

const PROMOS = [
  'Sign up for our morning newsletter to get the day’s top stories in your inbox.',
  'Follow us on social media for the latest updates, and download our app.',
  'This article was originally published by a partner outlet and is republished with permission.',
  'Additional reporting by our regional desk. Editing by the night team.',
];
const EDITS: Record<string, string> = {
  said: 'says',
  says: 'said',
  also: 'further',
  however: 'but',
  about: 'around',
  million: 'm',
  percent: '%',
  will: 'would',
  company: 'firm',
  government: 'administration',
  people: 'residents',
  new: 'fresh',
};

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** Copy-edit about `share` of the words that have a usual substitute. */
function copyEdit(paragraph: string, share: number, random: () => number): string {
  return paragraph.replace(/\b[a-z]+\b/g, (w) => (EDITS[w] && random() < share ? EDITS[w]! : w));
}

/** The paragraphs of a republished copy of `paragraphs` (the original's, in order). */
export function syndicate(paragraphs: readonly string[], variant: Variant, seed: number): string[] {
  const random = rng(seed);
  const promo = PROMOS[Math.floor(random() * PROMOS.length)]!;
  const body = [...paragraphs];
  switch (variant) {
    case 'trimmed':
      if (body.length > 2) body.pop();
      return [...body, promo];
    case 'edited': {
      if (body.length > 2) body.pop();
      const edited = body.map((p) => copyEdit(p, 0.5, random));
      edited[0] = `LONDON (Wire) - ${edited[0]}`;
      return [...edited, promo];
    }
    case 'cut': {
      const keep = Math.max(2, Math.ceil(body.length * 0.6));
      return [...body.slice(0, keep), promo];
    }
    case 'reshuffled': {
      if (body.length > 3) body.splice(Math.floor(body.length / 2), 1);
      return [...body.map((p) => copyEdit(p, 0.25, random)), promo];
    }
  }
}
