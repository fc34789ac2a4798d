// Near-duplicate text: the same article republished (wire copy, syndication) under another
// template, headline and ending. MinHash over word shingles with LSH bands (Broder 1997; Indyk
// & Motwani; as in Manning et al., "Introduction to Information Retrieval", ch. 19):
//
// - the extracted text is cut into overlapping 5-word shingles (lower-cased letters and digits);
// - 128 min-hashes summarise the shingle set: the share of equal positions in two signatures
//   estimates the Jaccard similarity of the two sets;
// - 64 bands of 2 rows: two texts whose Jaccard is 0.3 share at least one band with probability
//   0.998, at 0.1 with 0.47 and at 0.02 with 0.03. Sensitive on purpose: a copy cut to half its
//   length has a Jaccard of only ~0.4 with its original (measured on BBC texts, 32 bands of 4
//   rows found 83% of copies, 64 of 2 found 99%); unrelated news texts share almost no 5-word
//   shingles, so a lookup still reads only a few candidates (0.13 per article among 1,112);
// - a candidate is a copy when the estimated containment of the smaller text in the larger
//   (shared shingles over the smaller set) reaches the threshold: a copy with its last
//   paragraph dropped and a promo added keeps most of its shingles inside the original's.
//
// Pure; the index that remembers signatures is dup-index.redis.ts.

/** Shingle length in words. */
export const SHINGLE_WORDS = 5;
export const HASHES = 128;
export const ROWS = 2;
export const BANDS = HASHES / ROWS;

export interface NearDupOptions {
  /** Estimated containment at or above which a text is a copy (default 0.6; see the README for measurements). */
  threshold?: number;
  /** Texts with fewer words are neither indexed nor checked (default 50): a short text's shingles say too little. */
  minWords?: number;
}

export const DEFAULT_NEAR_DUP: Required<NearDupOptions> = { threshold: 0.6, minWords: 50 };

export interface Signature {
  /** Distinct shingles in the text. */
  shingles: number;
  /** HASHES min-hash values. */
  mins: Uint32Array;
}

/** murmur3's 32-bit finaliser: a cheap bijective mixer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One seed per min-hash, fixed: signatures stay comparable across processes and releases. */
const SEEDS = Uint32Array.from({ length: HASHES }, (_, i) => fmix32(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)));

/** Words as the shingles see them: lower-case letters and digits, punctuation and case ignored. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** 32-bit FNV-1a of a string (the shingle's hash before the min-hash permutations). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The text's signature, or null when it has fewer than `minWords` words. */
export function signature(text: string, minWords = DEFAULT_NEAR_DUP.minWords): Signature | null {
  const w = words(text);
  if (w.length < Math.max(minWords, SHINGLE_WORDS)) return null;
  const set = new Set<number>();
  for (let i = 0; i + SHINGLE_WORDS <= w.length; i += 1) set.add(hashString(w.slice(i, i + SHINGLE_WORDS).join(' ')));
  const mins = new Uint32Array(HASHES).fill(0xffffffff);
  for (const x of set) {
    for (let j = 0; j < HASHES; j += 1) {
      const v = fmix32(x ^ SEEDS[j]!);
      if (v < mins[j]!) mins[j] = v;
    }
  }
  return { shingles: set.size, mins };
}

/** The LSH band keys of a signature: a hash of each band's rows (seeded by the band), as hex. */
export function bandKeys(sig: Signature): string[] {
  const keys: string[] = [];
  for (let b = 0; b < BANDS; b += 1) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < ROWS; r += 1) h = fmix32(h ^ sig.mins[b * ROWS + r]!);
    keys.push(h.toString(16).padStart(8, '0'));
  }
  return keys;
}

/**
 * Estimated Jaccard similarity: the share of min-hashes the two signatures agree on, compared on
 * their low 16 bits (b-bit minwise hashing, Li & König 2010: the index keeps 16 bits a hash;
 * two unrelated values agree by chance once in 65,536, which shifts the estimate by as much).
 */
export function jaccard(a: Signature, b: Signature): number {
  let same = 0;
  for (let j = 0; j < HASHES; j += 1) if ((a.mins[j]! & 0xffff) === (b.mins[j]! & 0xffff)) same += 1;
  return same / HASHES;
}

/**
 * Estimated containment of the smaller shingle set in the larger: |A∩B| / min(|A|, |B|), from
 * the Jaccard estimate and the set sizes (|A∩B| = J (|A| + |B|) / (1 + J)).
 */
export function containment(a: Signature, b: Signature): number {
  const j = jaccard(a, b);
  const shared = (j * (a.shingles + b.shingles)) / (1 + j);
  return Math.min(1, shared / Math.min(a.shingles, b.shingles));
}

/** Serialised for the index: shingle count, then the low 16 bits of each min-hash; 260 bytes. */
export function encodeSignature(sig: Signature): Buffer {
  const buf = Buffer.alloc(SIGNATURE_BYTES);
  buf.writeUInt32LE(sig.shingles, 0);
  for (let j = 0; j < HASHES; j += 1) buf.writeUInt16LE(sig.mins[j]! & 0xffff, 4 + j * 2);
  return buf;
}

export const SIGNATURE_BYTES = 4 + HASHES * 2;

/** The signature at the start of `buf` (what follows it is the caller's). */
export function decodeSignature(buf: Buffer): Signature | null {
  if (buf.length < SIGNATURE_BYTES) return null;
  const mins = new Uint32Array(HASHES);
  for (let j = 0; j < HASHES; j += 1) mins[j] = buf.readUInt16LE(4 + j * 2);
  return { shingles: buf.readUInt32LE(0), mins };
}
