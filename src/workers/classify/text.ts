// Tokenising and hashing shared by the topic model and the story clusterer, so both see the
// same words. Pure; no I/O.

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-cased word tokens; possessive/contraction tails ("'s", "n't") are dropped. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    let w = m[0];
    const q = w.search(/['’]/);
    if (q > 0) w = w.slice(0, q);
    out.push(w);
  }
  return out;
}

/** English function words: dropped from unigrams for clustering and from bigram edges. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further ' +
    'had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which ' +
    'while who whom why will with would you your yours yourself yourselves also said says say ' +
    'may might must shall us one two new last first year years time week day today yesterday ' +
    'mr mrs ms s t re ve ll d m via get gets got make makes like just'
  ).split(' '),
);

export { fnv1a } from '../../shared/hash.js';

export function toBase64(a: Float32Array | Int8Array | Uint8Array | Uint16Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function fromBase64Int8(s: string): Int8Array {
  const b = Buffer.from(s, 'base64');
  return new Int8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function fromBase64Uint8(s: string): Uint8Array {
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
