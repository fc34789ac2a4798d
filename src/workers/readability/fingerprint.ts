// Block fingerprints: the identity of a paragraph regardless of case, punctuation and spacing,
// so the same newsletter blurb matches across pages of a site (boilerplate layer 4).
import { createHash } from 'node:crypto';

export function normaliseForFingerprint(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** sha1 of the normalised lower-cased text, first 16 hex chars (64 bits). */
export function fingerprint(text: string): string {
  return createHash('sha1').update(normaliseForFingerprint(text)).digest('hex').slice(0, 16);
}
