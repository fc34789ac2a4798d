import { describe, expect, it } from 'vitest';
import { extractEntities, normaliseName } from '../../../src/workers/classify/entities.js';

const find = (text: string, name: string) => extractEntities(text).find((e) => e.name === name);

describe('normaliseName', () => {
  it('strips titles, possessives and trailing punctuation', () => {
    expect(normaliseName('First Vice President Mohammad Mokhber,')?.name).toBe('Mohammad Mokhber');
    expect(normaliseName('Dr. Jane Goodall')?.name).toBe('Jane Goodall');
    expect(normaliseName("Putin's")?.name).toBe('Putin');
    expect(normaliseName('Kyiv.')?.name).toBe('Kyiv');
    expect(normaliseName('U.S.')?.name).toBe('U.S.');
  });
});

describe('extractEntities', () => {
  const text = [
    'Iranian First Vice President Mohammad Mokhber visited Moscow on Tuesday.',
    'Mokhber met officials from the Kremlin, the Revolutionary Guards said.',
    "The U.S. State Department said Washington's position had not changed, and NATO agreed.",
    'Who benefits? Analysts at Goldman Sachs were not sure.',
  ].join('\n');
  const ents = extractEntities(text);

  it('merges a surname into the full name and counts both mentions', () => {
    expect(find(text, 'Mohammad Mokhber')).toEqual({ name: 'Mohammad Mokhber', type: 'person', count: 2 });
    expect(ents.some((e) => e.name === 'Mokhber')).toBe(false);
  });

  it('types places and organisations from the gazetteer, with canonical names', () => {
    expect(find(text, 'Moscow')?.type).toBe('place');
    expect(find(text, 'Washington')?.type).toBe('place');
    expect(find(text, 'Kremlin')?.type).toBe('organization');
    expect(find(text, 'Revolutionary Guards')?.type).toBe('organization');
    expect(find(text, 'NATO')?.type).toBe('organization');
    expect(find(text, 'Goldman Sachs')?.type).toBe('organization');
  });

  it('does not take sentence openers or nationality adjectives for names', () => {
    const names = ents.map((e) => e.name);
    expect(names).not.toContain('WHO');
    expect(names).not.toContain('World Health Organization');
    expect(names).not.toContain('Iranian');
    expect(names).not.toContain('Analysts');
  });

  it('puts the most mentioned first', () => {
    const counts = ents.map((e) => e.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('types venues, journals and trade acronyms as a reader would', () => {
    const text =
      'The final at Quayside Stadium drew 40,000 fans. The study, published in Nature Astronomy on Monday, ' +
      'used AI to find the planets, researchers at the Paris Observatory said. Kwame Mensah led the team. ' +
      'Manchester United lost. AI tools and GDP figures were discussed with Dr Jane Holt.';
    const found = extractEntities(text);
    const type = (name: string) => found.find((e) => e.name === name)?.type;
    expect(type('Quayside Stadium')).toBe('place');
    expect(type('Paris Observatory')).toBe('organization');
    expect(type('Manchester United')).toBe('organization');
    expect(type('Nature Astronomy')).not.toBe('person');
    expect(type('AI')).toBeUndefined();
    expect(type('GDP')).toBeUndefined();
    // Unknown two-word names are still people.
    expect(type('Kwame Mensah')).toBe('person');
    expect(type('Jane Holt')).toBe('person');
  });
});
