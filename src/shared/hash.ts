// Stable string hashing for hashed features (the topic model, the story clusterer, the
// boilerplate classifier): the same bucket on every run and platform.

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
