import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../src/shared/paths.js';
import { checkDuplicate, MemoryDupIndex } from '../../../src/workers/classify/dup-index.js';
import { BANDS, bandKeys, containment, decodeSignature, DEFAULT_NEAR_DUP, encodeSignature, jaccard, signature } from '../../../src/workers/classify/near-dup.js';
import { syndicate, VARIANTS } from '../../helpers/syndicate.js';

const seed = (name: string): string[] =>
  (JSON.parse(readFileSync(packagePath('fixtures', 'pages', `${name}.expected.json`), 'utf8')) as { paragraphs: string[] }).paragraphs;
const aggregator = seed('seed-iran-russia-aggregator');
const theWeek = seed('seed-iran-russia-theweek');

describe('near-duplicate signatures', () => {
  it('does not take two reports of one story from two outlets for copies (the seed texts)', async () => {
    const a = signature(aggregator.join('\n\n'))!;
    const b = signature(theWeek.join('\n\n'))!;
    expect(containment(a, b)).toBeLessThan(0.2);
    const index = new MemoryDupIndex();
    expect((await checkDuplicate(index, 'aggregator', aggregator.join('\n\n'))).duplicateOf).toBeNull();
    expect((await checkDuplicate(index, 'theweek', theWeek.join('\n\n'))).duplicateOf).toBeNull();
  });

  it('finds each kind of republished copy: trimmed, edited with a dateline, cut short, reshuffled', async () => {
    for (const [i, variant] of VARIANTS.entries()) {
      const copy = syndicate(theWeek, variant, i + 1).join('\n\n');
      expect(copy).not.toBe(theWeek.join('\n\n'));
      expect(containment(signature(copy)!, signature(theWeek.join('\n\n'))!), variant).toBeGreaterThanOrEqual(DEFAULT_NEAR_DUP.threshold);
    }
  });

  it('names the earliest stored article as the original, for copies of copies too, and answers a retry the same', async () => {
    const index = new MemoryDupIndex();
    const original = theWeek.join('\n\n');
    expect(await checkDuplicate(index, 'o', original)).toMatchObject({ duplicateOf: null });
    const first = await checkDuplicate(index, 'c1', syndicate(theWeek, 'trimmed', 1).join('\n\n'));
    expect(first).toMatchObject({ duplicateOf: 'o', matched: 'o' });
    // A copy of the copy (trimmed again) still names the original.
    const copyOfCopy = syndicate(syndicate(theWeek, 'trimmed', 1), 'edited', 2).join('\n\n');
    expect((await checkDuplicate(index, 'c2', copyOfCopy)).duplicateOf).toBe('o');
    expect((await checkDuplicate(index, 'c1', syndicate(theWeek, 'trimmed', 1).join('\n\n'))).duplicateOf).toBe('o');
    expect((await checkDuplicate(index, 'o', original)).duplicateOf).toBeNull();
  });

  it('leaves short texts alone, and keeps what the index needs in 260 bytes', () => {
    expect(signature('Too short to say anything about copies at all.')).toBeNull();
    const sig = signature(theWeek.join('\n\n'))!;
    expect(bandKeys(sig)).toHaveLength(BANDS);
    const buf = encodeSignature(sig);
    expect(buf.length).toBe(260);
    const back = decodeSignature(buf)!;
    expect(back.shingles).toBe(sig.shingles);
    expect(jaccard(back, sig)).toBe(1);
    expect(decodeSignature(buf.subarray(0, 100))).toBeNull();
  });
});
