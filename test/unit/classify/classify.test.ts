import { describe, expect, it } from 'vitest';
import { classifyArticle, selectTopics } from '../../../src/workers/classify/classify.js';
import { parseWatchTopics } from '../../../src/shared/watch-topics.js';
import { loadSeeds, seedsMissing } from './seeds.js';

const seeds = loadSeeds();

const SPORT = {
  title: 'United win the derby with a late goal',
  text: 'Manchester United beat City 2-1 at Old Trafford on Sunday, with a stoppage-time goal from the striker sealing victory. The manager said his players had shown great character in the second half and the win lifts the club to third in the Premier League table.',
};

describe('classifyArticle', () => {
  it('returns language, topics best first and entities', () => {
    const c = classifyArticle(SPORT);
    expect(c.lang).toBe('en');
    expect(c.topics[0]).toMatchObject({ label: 'sports', source: 'model' });
    const scores = c.topics.map((t) => t.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(c.entities.map((e) => e.name)).toContain('Manchester United');
  });

  it('adds matched watch topics with score 1 and source watch', () => {
    const watchTopics = parseWatchTopics([
      { name: 'manchester-derby', all: ['United', 'City'] },
      { name: 'cricket', any: ['wicket'] },
    ]);
    const c = classifyArticle(SPORT, { watchTopics });
    expect(c.topics[0]).toEqual({ label: 'manchester-derby', score: 1, source: 'watch' });
    expect(c.topics.some((t) => t.label === 'cricket')).toBe(false);
  });

  it('gives non-English articles no model topics but still runs watch rules', () => {
    const c = classifyArticle(
      { title: 'Le gouvernement présente son budget', text: 'Le ministre des Finances a présenté mardi un budget qui prévoit une baisse des dépenses publiques et une hausse des impôts sur les grandes entreprises.' },
      { watchTopics: parseWatchTopics([{ name: 'budget', any: ['budget'] }]) },
    );
    expect(c.lang).toBe('fr');
    expect(c.topics).toEqual([{ label: 'budget', score: 1, source: 'watch' }]);
  });

  it('keeps the best topic and others only above the threshold', () => {
    const t = selectTopics([{ label: 'a', score: 0.2 }, { label: 'b', score: 0.19 }], 0.3);
    expect(t.map((x) => x.label)).toEqual(['a']);
    expect(selectTopics([{ label: 'a', score: 0.5 }, { label: 'b', score: 0.4 }, { label: 'c', score: 0.1 }]).map((x) => x.label)).toEqual(['a', 'b']);
  });

  it.skipIf(!seeds)('tags the seed articles world, with Iran, Russia and Mokhber', () => {
    if (!seeds) return console.warn(seedsMissing());
    for (const s of seeds) {
      const c = classifyArticle({ title: s.title, text: s.text });
      expect(c.lang).toBe('en');
      expect(c.topics[0]!.label).toBe('world');
      const names = c.entities.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['Iran', 'Russia', 'Mohammad Mokhber']));
    }
  });
});
